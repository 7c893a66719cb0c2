"""Indexing speed against the raw encoder, re-index cost, peak memory.

    .venv/bin/python benchmarks/bench_index.py            # external docs and Cranfield
    .venv/bin/python benchmarks/bench_index.py --only external
    .venv/bin/python benchmarks/bench_index.py --torch      # as on a machine with no ONNX export

For each corpus: a fresh `brief-bot index` in a child process (files/s, chunks/s, peak RSS), then
the raw encoder on exactly the chunk texts that run embedded, in this process, and the ratio
(target >= 0.85). The raw encoder is the one the run used (the ONNX export once this machine has
one, torch before); the other is timed too, as a cross-check, when it is available. Then
`brief-bot index` again with nothing changed (target <= 3 s beyond the cost of starting a
`brief-bot` process).

Also the cost of parsing each file in a child process with time and memory limits (what
`index.update` does) against parsing in the indexing process itself, on the same files
(`--parse-only` for just that).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import CACHE, EXTERNAL, process_start_seconds, run_index, write_cranfield_corpus

from brief_bot.config import Settings
from brief_bot.corpus import model_text
from brief_bot.index.embedding import SentenceTransformersEmbedder

_PARSE = """
import sys, time
from pathlib import Path
from brief_bot.config import Settings
from brief_bot.corpus import discover
from brief_bot.loaders import SkipFile, load_bytes
from brief_bot.sandbox import ParserProcess
files = [(p.name, p.read_bytes()) for _, p in discover(Path(sys.argv[1]))]
settings = Settings()
started = time.perf_counter()
parser = ParserProcess(timeout=settings.parse_timeout, memory_mb=settings.parse_memory_mb)
parse = load_bytes if sys.argv[2] == "in-process" else parser.parse
for name, data in files:
    try:
        parse(name, data)
    except SkipFile:
        pass
parser.close()
print(len(files), time.perf_counter() - started)
"""


def parse_cost(name: str, corpus: Path) -> dict[str, float]:
    """Parsing every file of `corpus` as a fresh `brief-bot index` would: in its own process
    (imports of pypdf, python-docx, BeautifulSoup included) or in the child process `update`
    uses (its start included). Best of three each, files already read."""
    seconds: dict[str, float] = {}
    for where in ("in-process", "child"):
        runs = []
        for _ in range(3):
            out = subprocess.run([sys.executable, "-c", _PARSE, str(corpus), where],
                                 capture_output=True, text=True, check=True)
            files, took = out.stdout.split()
            runs.append(float(took))
        seconds[where] = min(runs)
    result = {"files": int(files), "parse_in_process_s": round(seconds["in-process"], 3),
              "parse_in_child_s": round(seconds["child"], 3),
              "child_over_in_process": round(seconds["child"] / seconds["in-process"], 2)}
    print(f"{name} parsing: " + json.dumps(result), flush=True)
    return result


def bench(name: str, corpus: Path) -> dict[str, float]:
    index = CACHE / f"bench-index-{name}"
    shutil.rmtree(index, ignore_errors=True)
    report, wall, peak_mb = run_index(corpus, index)
    gen = index / report["generation"]
    rows = [json.loads(line) for line in (gen / "chunks.jsonl").read_text().splitlines()]
    texts = [model_text(r["title"], r["section"], r["text"]) for r in rows]

    settings = Settings()
    raws: dict[str, float] = {}
    for backend in ("onnx", "torch"):
        encoder = SentenceTransformersEmbedder(
            model_path=settings.resolved_model_path(), batch_size=settings.embed_batch_size,
            onnx_dir=settings.encoder_cache if backend == "onnx" else None)
        if encoder.document_backend != backend:
            continue  # no ONNX export on this machine yet
        if backend == "torch":
            encoder.warm_up()
        started = time.perf_counter()
        encoder.embed_documents(texts)
        raws[backend] = time.perf_counter() - started
    raw = raws[report["encoder"]]

    start_cost = min(process_start_seconds() for _ in range(3))
    again, again_wall, _ = run_index(corpus, index)
    assert again["embedded"] == 0, again
    shutil.rmtree(index, ignore_errors=True)
    result = {
        "files": report["files_seen"], "chunks": report["chunks"],
        "index_seconds": round(report["seconds"], 1),
        "files_per_s": round(report["files_seen"] / report["seconds"], 2),
        "chunks_per_s": round(report["chunks"] / report["seconds"], 2),
        "encoder": report["encoder"],
        "raw_encoder_chunks_per_s": round(len(texts) / raw, 2),
        **{f"raw_{b}_chunks_per_s": round(len(texts) / t, 2) for b, t in raws.items()},
        "ratio_to_raw_encoder": round((report["chunks"] / report["seconds"]) / (len(texts) / raw),
                                      3),
        "reindex_unchanged_wall_s": round(again_wall, 2),
        "process_start_s": round(start_cost, 2),
        "reindex_beyond_start_s": round(again_wall - start_cost, 2),
        "peak_rss_mb": peak_mb,
    }
    print(f"{name}: " + json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["external", "cranfield"])
    parser.add_argument("--torch", action="store_true",
                        help="Measure a machine without the ONNX export (torch does the work).")
    parser.add_argument("--parse-only", action="store_true",
                        help="Only the cost of parsing in a child process.")
    args = parser.parse_args()
    corpora = {"external": lambda: EXTERNAL,
               "cranfield": lambda: write_cranfield_corpus(CACHE / "cranfield-corpus")}
    if args.parse_only:
        for name, corpus in corpora.items():
            if args.only in (None, name):
                parse_cost(name, corpus())
        return
    settings = Settings()
    if args.torch:
        # The first run on a machine without an export makes one; start each time without.
        shutil.rmtree(CACHE / "no-encoder", ignore_errors=True)
        os.environ["BRIEF_BOT_ENCODER_CACHE"] = str(CACHE / "no-encoder")
    else:
        # Any machine that has answered a question has the export; make it if this one has not.
        SentenceTransformersEmbedder(model_path=settings.resolved_model_path(),
                                     onnx_dir=settings.encoder_cache).warm_up_queries()
    for name, corpus in corpora.items():
        if args.only in (None, name):
            bench(name, corpus())
            parse_cost(name, corpus())


if __name__ == "__main__":
    main()
