"""Retrieval quality, side by side in one run.

    .venv/bin/python benchmarks/bench_retrieval.py cranfield
    .venv/bin/python benchmarks/bench_retrieval.py external [--questions FILE]

cranfield: nDCG@10 (graded: Cleverdon's codes 1..4 as gains 4..1) over the 225 queries for
  plain BM25 (bm25s defaults over the document text), plain dense (MiniLM, cosine), plain
  reciprocal-rank fusion of the two (k=60), and brief-bot's retrieval.
stages: recall@5 and MRR for dense only, keyword only, fused, + glossary expansion, + feedback,
  on the starter questions and the external ones.
external: recall@5, MRR and answer_contains over benchmarks/external_questions.jsonl for
  the baseline a new user would build (langchain's Chroma `similarity_search`, same model,
  1000/200-character chunks; the "answer" is the top chunk), plain fusion over brief-bot's
  chunks, and brief-bot (`BriefBot.ask`).
Indexes are built once into benchmarks/.cache (not committed) and reused.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
from common import (
    CACHE,
    EXTERNAL,
    ROOT,
    cranfield_qrels,
    cranfield_queries,
    first_rank,
    run_index,
    write_cranfield_corpus,
)

from brief_bot.bot import BriefBot
from brief_bot.config import Settings
from brief_bot.evaluate import contains_all
from brief_bot.search import fuse


def ensure_index(name: str, corpus: Path) -> Settings:
    index = CACHE / f"index-{name}"
    run_index(corpus, index)  # incremental: free when it is already built
    return Settings(corpus=corpus, index=index)


def doc_ranking(passages: list[Any], rows: list[dict[str, Any]] | None = None) -> list[str]:
    return list(dict.fromkeys(p.source for p in passages))


def plain_rankings(bot: BriefBot, query: str, depth: int) -> dict[str, list[str]]:
    """Plain BM25, plain dense and their plain RRF, over brief-bot's own chunks."""
    snap = bot.index.get()
    keyword = snap.keyword.search(query, depth)
    vector = bot.embedder.embed_query(query)
    dense = [(r, s) for i, s in snap.store.query(vector, depth)
             for r in snap.rows_of_vector.get(i, ())][:depth]
    fused = fuse([dense, keyword], [1.0, 1.0], 60)
    return {"bm25": hit_sources(snap, keyword), "dense": hit_sources(snap, dense),
            "fusion": hit_sources(snap, sorted(fused.items(), key=lambda x: -x[1]))}


def hit_sources(snap: Any, hits: list[tuple[int, float]]) -> list[str]:
    """Distinct sources of (row, score) hits, in rank order."""
    return list(dict.fromkeys(snap.rows[r]["source"] for r, _ in hits))


def ndcg(ranked: list[str], gains: dict[str, int], k: int = 10) -> float:
    dcg = sum(gains.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(gains.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def cranfield() -> None:
    corpus = write_cranfield_corpus(CACHE / "cranfield-corpus")
    settings = ensure_index("cranfield", corpus)
    bot = BriefBot(settings=settings)
    bot.warm_up()
    queries, qrels = cranfield_queries(), cranfield_qrels()
    scores: dict[str, list[float]] = {"bm25": [], "dense": [], "fusion": [], "brief-bot": []}
    for number, query in enumerate(queries, start=1):
        gains = {f"{int(d):04d}.md": g for d, g in qrels.get(number, {}).items()}
        if not gains:
            continue
        for name, ranked in plain_rankings(bot, query, 100).items():
            scores[name].append(ndcg(ranked, gains))
        ranked = doc_ranking(bot.search(query, k=20))
        scores["brief-bot"].append(ndcg(ranked, gains))
    result = {name: round(float(np.mean(v)), 4) for name, v in scores.items()}
    result["queries"] = len(scores["bm25"])
    print("cranfield nDCG@10: " + json.dumps(result))


class _LCEmbeddings:
    """The bundled model behind langchain's Embeddings interface, for the baseline: plain
    sentence-transformers on torch, as a new user would run it (no ONNX query encoder)."""

    def __init__(self, bot: BriefBot) -> None:
        from brief_bot.index.embedding import SentenceTransformersEmbedder

        self.embedder = SentenceTransformersEmbedder(model_path=bot.settings.resolved_model_path())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()


def baseline_store(bot: BriefBot) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_core.embeddings import Embeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from brief_bot.corpus import SkipFile, discover, load_bytes

    class Emb(_LCEmbeddings, Embeddings):
        pass

    path = CACHE / "baseline-external"
    client = chromadb.PersistentClient(str(path), ChromaSettings(anonymized_telemetry=False))
    store = Chroma(collection_name="baseline", embedding_function=Emb(bot), client=client,
                   collection_metadata={"hnsw:space": "cosine"},
                   relevance_score_fn=lambda d: 1 - d / 2)
    if store._collection.count() == 0:
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        docs = []
        for source, file in discover(EXTERNAL):
            try:
                parsed = load_bytes(file.name, file.read_bytes())
            except SkipFile:
                continue
            text = "\n\n".join(s.text for s in parsed.sections)
            docs += [Document(page_content=c, metadata={"source": source})
                     for c in splitter.split_text(text)]
        store.add_documents(docs)
    return store


def external(questions_path: Path, k: int = 5) -> None:
    settings = ensure_index("external", EXTERNAL)
    bot = BriefBot(settings=settings)
    bot.warm_up()
    baseline = baseline_store(bot)
    items = [json.loads(line) for line in questions_path.read_text().splitlines() if line.strip()]
    stats: dict[str, dict[str, float]] = {n: {"hits": 0, "rr": 0.0, "contains": 0}
                                          for n in ("baseline", "fusion", "brief-bot")}
    failures = []
    # Where answers are lost: the answering text missing from the passages the answer was
    # composed from (retrieval), or present there but not chosen (sentence selection).
    in_passages = chosen = abstained = 0
    for item in items:
        expected = set(item["expected_sources"])
        docs = baseline.similarity_search(item["question"], k=20)
        ranked = {"baseline": list(dict.fromkeys(d.metadata["source"] for d in docs)),
                  "fusion": plain_rankings(bot, item["question"], 40)["fusion"]}
        answer = bot.ask(item["question"])
        ranked["brief-bot"] = doc_ranking(bot.search(item["question"], k=4 * k))
        abstained += answer.abstained
        # An abstention holds no answer, whatever its nearest-documents note says.
        missing = contains_all("" if answer.abstained else answer.text, item["answer_contains"])
        present = any(not contains_all(p.text, item["answer_contains"]) for p in answer.passages)
        in_passages += present
        chosen += present and not missing
        for name, sources in ranked.items():
            rank = first_rank(sources, expected, k)
            stats[name]["hits"] += rank is not None
            stats[name]["rr"] += 1 / rank if rank else 0
        stats["baseline"]["contains"] += not contains_all(docs[0].page_content if docs else "",
                                                          item["answer_contains"])
        stats["brief-bot"]["contains"] += not missing
        if not (ranked["brief-bot"][:1] and ranked["brief-bot"][0] in expected) or missing:
            failures.append((item["id"], item["question"], ranked["brief-bot"][:3], missing))
    n = len(items)
    for name, s in stats.items():
        line = {f"recall@{k}": round(s["hits"] / n, 4), "mrr": round(s["rr"] / n, 4)}
        if name != "fusion":
            line["answer_contains"] = round(s["contains"] / n, 4)
        print(f"external {name}: " + json.dumps(line))
    print(f"external brief-bot: answer text in the {k} passages answered from: "
          f"{in_passages}/{n}; of those, in the answer: {chosen}/{in_passages}; "
          f"abstained (all {n} are answerable): {abstained}")
    for failure in failures:
        print("  not first or missing:", failure)


# Each stage adds one thing to the one above it: (settings, search options).
STAGES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("dense only", {}, {"mode": "dense", "expand": False, "feedback": False}),
    ("keyword only", {}, {"mode": "keyword", "expand": False, "feedback": False}),
    ("fused", {"heading_boost": 1.0, "keep_list_tops": False},
     {"mode": "hybrid", "expand": False, "feedback": False}),
    ("+ glossary expansion", {"heading_boost": 1.0, "keep_list_tops": False},
     {"expand": True, "feedback": False}),
    ("+ heading boost", {"keep_list_tops": False}, {"expand": True, "feedback": False}),
    ("+ each list's top kept", {}, {"expand": True, "feedback": False}),
    ("+ feedback (long questions)", {"feedback_docs": 8}, {"expand": True, "feedback": True}),
]


def question_sets() -> list[tuple[str, Settings, Path]]:
    return [("starter", ensure_index("starter", ROOT / "corpus"),
             ROOT / "tests" / "eval" / "questions.jsonl"),
            ("staff", ensure_index("starter", ROOT / "corpus"),
             ROOT / "tests" / "eval" / "staff.jsonl"),
            ("external", ensure_index("external", EXTERNAL),
             ROOT / "benchmarks" / "external_questions.jsonl")]


def stages(k: int = 5) -> None:
    """What each retrieval stage adds, on every question set (recall@k and MRR of sources;
    Cranfield's nDCG@10 with --cranfield)."""
    for name, settings, path in question_sets():
        items = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        items = [i for i in items if i.get("expected_sources") and not i.get("expect_abstain")]
        for stage, overrides, options in STAGES:
            bot = BriefBot(settings=settings.with_overrides(**overrides))
            hits = rr = 0.0
            for item in items:
                sources = doc_ranking(bot.search(item["question"], k=4 * k,
                                                 history=item.get("history", ()), **options))
                rank = first_rank(sources, item["expected_sources"], k)
                hits += rank is not None
                rr += 1 / rank if rank else 0
            print(f"{name:9} {stage:30} recall@{k} {hits / len(items):.4f}  "
                  f"MRR {rr / len(items):.4f}", flush=True)
            bot.close()


def cranfield_stages() -> None:
    """nDCG@10 on Cranfield for brief-bot's retrieval with and without feedback."""
    corpus = write_cranfield_corpus(CACHE / "cranfield-corpus")
    settings = ensure_index("cranfield", corpus)
    qrels = cranfield_qrels()
    for stage, overrides, options in STAGES[2:]:
        bot = BriefBot(settings=settings.with_overrides(**overrides))
        scores = []
        for number, query in enumerate(cranfield_queries(), start=1):
            gains = {f"{int(d):04d}.md": g for d, g in qrels.get(number, {}).items()}
            if not gains:
                continue
            scores.append(ndcg(doc_ranking(bot.search(query, k=20, **options)), gains))
        print(f"cranfield {stage:30} nDCG@10 {sum(scores) / len(scores):.4f}", flush=True)
        bot.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", choices=["cranfield", "external", "stages",
                                          "cranfield-stages"])
    parser.add_argument("--questions", type=Path,
                        default=ROOT / "benchmarks" / "external_questions.jsonl")
    args = parser.parse_args()
    if args.which == "cranfield":
        cranfield()
    elif args.which == "stages":
        stages()
    elif args.which == "cranfield-stages":
        cranfield_stages()
    else:
        external(args.questions)


if __name__ == "__main__":
    main()
