"""Meeting pack time (issue 17): median and p95 over every forum, on the starter corpus and on
the big index (at least 10,000 chunks: bench_ask's, the starter corpus, the external documents
and Cranfield, three copies each).

    .venv/bin/python benchmarks/bench_pack.py [--rounds 5] [--skip-big]

Targets: median under 2 s on the starter corpus, under 5 s at 10k chunks. Packs are built
through `BriefBot.pack` in one process. "first" is the first pack of a generation, which reads
the documents it needs (they are kept for the packs after it); the median and p95 are over
every forum the documents are tagged with, `rounds` times each, after that first one. A decline
(an unknown forum) is timed too.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from common import CACHE, ROOT, percentile, run_index

from brief_bot.bot import BriefBot
from brief_bot.config import Settings


def starter() -> Settings:
    index = CACHE / "index-starter"
    report, _, _ = run_index(ROOT / "corpus", index)
    print(f"starter index: {report['chunks']} chunks", flush=True)
    return Settings(corpus=ROOT / "corpus", index=index)


def measure(settings: Settings, rounds: int) -> dict[str, object]:
    bot = BriefBot(settings=settings)
    started = time.perf_counter()
    declined = bot.pack("WRC-15")  # resolves the forum only; lists the forums there are
    decline_ms = (time.perf_counter() - started) * 1000
    forums = list(declined.known)
    started = time.perf_counter()
    bot.pack(forums[0])
    first_ms = (time.perf_counter() - started) * 1000
    times, words, sections = [], [], []
    for _ in range(rounds):
        for forum in forums:
            started = time.perf_counter()
            pack = bot.pack(forum)
            times.append((time.perf_counter() - started) * 1000)
            sections.append(len(pack.sections))
            words.append(sum(len(line.text.split()) for s in pack.sections
                             for line in s.lines))
    with bot.index.use() as snapshot:
        chunks = snapshot.size
    bot.close()
    return {"chunks": chunks, "forums": len(forums), "packs": len(times),
            "first_ms": round(first_ms, 1), "decline_ms": round(decline_ms, 1),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1), "max_ms": round(max(times), 1),
            "sections_mean": round(statistics.fmean(sections), 1),
            "words_mean": round(statistics.fmean(words))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-big", action="store_true", help="only the starter corpus")
    args = parser.parse_args()
    print("starter corpus: " + json.dumps(measure(starter(), args.rounds)), flush=True)
    if not args.skip_big:
        from bench_ask import big_corpus

        print("10k chunks: " + json.dumps(measure(big_corpus(), args.rounds)), flush=True)


if __name__ == "__main__":
    main()
