"""Warm `BriefBot.ask` latency on an index of at least 10,000 chunks, beside the baseline.

    .venv/bin/python benchmarks/bench_ask.py [--questions 200]

The big index: the starter corpus, the external documents and Cranfield, each copied three
times under different folders. The copies' chunk texts are identical, so the incremental indexer
reuses their vectors and the build embeds each text once. The baseline is a new user's
langchain Chroma `similarity_search` (same model, 1000/200-character chunks of the external
documents), timed on the same questions in the same run. Target on 2 cores: p50 <= 40 ms,
p95 <= 80 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_retrieval import baseline_store
from common import CACHE, EXTERNAL, ROOT, percentile, run_index, write_cranfield_corpus

from brief_bot.bot import BriefBot
from brief_bot.config import Settings


def big_corpus() -> Settings:
    corpus = CACHE / "big-corpus"
    if not corpus.exists():
        cranfield = write_cranfield_corpus(CACHE / "cranfield-corpus")
        for copy in range(3):
            for name, source in (("starter", ROOT / "corpus"), ("external", EXTERNAL),
                                 ("cranfield", cranfield)):
                shutil.copytree(source, corpus / f"copy{copy}" / name)
    index = CACHE / "index-big"
    # Copy 0 first: copies 1 and 2 then reuse its vectors instead of embedding again.
    if not index.exists():
        staging = CACHE / "big-staging"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(corpus / "copy0", staging / "copy0")
        run_index(staging, index)
        for copy in (1, 2):
            shutil.copytree(corpus / f"copy{copy}", staging / f"copy{copy}")
            run_index(staging, index)
        shutil.rmtree(corpus)
        staging.rename(corpus)
    report, _, _ = run_index(corpus, index)
    print(f"index: {report['chunks']} chunks, {report['files_seen']} files", flush=True)
    return Settings(corpus=corpus, index=index)


def questions(n: int) -> list[str]:
    pool = []
    for path in (ROOT / "tests/eval/questions.jsonl", ROOT / "tests/eval/staff.jsonl",
                 ROOT / "benchmarks/external_questions.jsonl"):
        pool += [json.loads(line)["question"] for line in path.read_text().splitlines() if line]
    return [pool[i % len(pool)] for i in range(n)]


def timed(fn, items: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for q in items:
        started = time.perf_counter()
        fn(q)
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--against", type=Path, metavar="CHECKOUT",
                        help="also time another checkout (an older commit) on the same index "
                             "and questions, in turns with this one (A B A B)")
    parser.add_argument("--only-ours", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    settings = big_corpus()
    bot = BriefBot(settings=settings)
    bot.warm_up()
    if args.only_ours:  # the child of --against: one JSON line of this checkout's timings
        items = questions(args.questions)
        for q in items[:10]:
            bot.ask(q)
        print(json.dumps(timed(bot.ask, items)))
        return
    if args.against:
        against(bot, args.against, args.questions)
        return
    baseline = baseline_store(BriefBot(settings=Settings(corpus=EXTERNAL,
                                                         index=CACHE / "index-external")))
    items = questions(args.questions)
    for q in items[:10]:  # warm both paths
        bot.ask(q)
        baseline.similarity_search(q, k=5)
    ours = timed(bot.ask, items)
    base = timed(lambda q: baseline.similarity_search(q, k=5), items)
    embed = timed(bot.embedder.embed_query, items)

    def line(values: list[float]) -> dict[str, float]:
        return {"p50_ms": round(statistics.median(values), 1),
                "p95_ms": round(percentile(values, 95), 1), "mean_ms": round(
                    statistics.fmean(values), 1)}

    print("brief-bot ask: " + json.dumps(line(ours)))
    print("baseline similarity_search: " + json.dumps(line(base)))
    print("query embedding alone: " + json.dumps(line(embed)))
    print(f"ratio brief-bot/baseline p50: {statistics.median(ours) / statistics.median(base):.2f}")


def against(bot: BriefBot, checkout: Path, n: int) -> None:
    """This checkout's `ask` and another's on the same questions and index, in turns, so a
    change of speed is not the machine's drift."""
    items = questions(n)
    for q in items[:10]:
        bot.ask(q)
    env = {**os.environ, "PYTHONPATH": f"{checkout / 'src'}:{checkout}"}
    runs: dict[str, list[float]] = {"this checkout": [], str(checkout): []}
    for _ in range(2):
        runs["this checkout"] += timed(bot.ask, items)
        out = subprocess.run([sys.executable, __file__, "--only-ours", "--questions", str(n)],
                             env=env, capture_output=True, text=True, check=True)
        runs[str(checkout)] += json.loads(out.stdout.strip().splitlines()[-1])
    for name, values in runs.items():
        print(f"{name}: p50 {statistics.median(values):.1f} ms, p95 "
              f"{percentile(values, 95):.1f} ms ({len(values)} answers)")
    ratio = statistics.median(runs["this checkout"]) / statistics.median(runs[str(checkout)])
    print(f"ratio p50 this/that: {ratio:.2f}")


if __name__ == "__main__":
    main()
