"""Every answer the bot gives to every question file, written to one JSON file, and compared.

    .venv/bin/python benchmarks/answers_snapshot.py OUT.json
    .venv/bin/python benchmarks/answers_snapshot.py OUT.json --compare BEFORE.json

Asks every question of every question file in tests/eval/ and benchmarks/ (the external
questions over the external documents, the rest over corpus/), and the issues' own examples,
and records each answer's text, whether it abstained, and its citations. With --compare, prints
how many answers differ from an earlier snapshot and the first differences, and exits 1 if any
do: a change that must not change answers (a refactor) shows an empty diff. The indexes are the
benchmarks' cached ones (benchmarks/.cache), built once, so both snapshots read the same index.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

from common import CACHE, EXTERNAL, ROOT, run_index

from brief_bot.bot import BriefBot
from brief_bot.config import Settings

# The examples the issues quote, as (question, earlier turns).
ISSUE_EXAMPLES: list[tuple[str, list[str]]] = [
    ("What should our messages be for the Plenipot in Busan?", []),
    ("what are the agreed messages?", []),
    ("plenipot msgs", []),
    ("How can civil society take part in ITU processes?", []),
    ("Give me the three lines for a delegate", []),
    ("What does the road-map say we should do in 2015?", []),
    ("What's on our timeline for 2015?", []),
    ("wcit internet res?", ["What are our messages for the Plenipot?"]),
    ("and who didn't sign?", ["How many countries signed the ITRs at WCIT-12?"]),
    ("and who didn't sign?", []),
    ("What's the wifi password at ITU headquarters?", []),
    ("Can we attend the CWG-Internet?", []),
    ("What's the ask in our CWG-Internet message?", []),
    ("who holds each role?", []),
    ("which regional groups prepare common proposals?", []),
    ("What did PP-18 in Dubai decide?", []),
    ("who's the dep sec gen now?", []),
    ("I reckon the ITRs were signed by most countries - is that right?", []),
    ("anything I should know about the WTDC?", []),
    ("which bodies in each region coordinate positions ahead of big ITU meetings?", []),
    ("run me through all our asks for Busan", []),
    ("what are we tracking to see if the ITU actually changed?", []),
    ("when do we stop and look back at how our ITU work went?", []),
    ("How will we know whether our work on the ITU succeeded?", []),
    ("what did we plan to do in the first half of 2015?", []),
    ("what's between March and May 2014 on the calendar?", []),
    ("What did the Secretary-General say?",
     ["Which groups wrote to the ITU Secretary-General ahead of PP-14?"]),
    ("Who was elected to head the Radiocommunication Bureau at PP-14?", []),
]


# Question sets whose answers nobody reads (issue 19: validation and final are only scored).
HIDDEN = ("validation", "final")


def question_files() -> list[tuple[Path, str]]:
    """(file, which index) for every question file; a file without questions is left out."""
    found = []
    for path in sorted([*(ROOT / "tests" / "eval").rglob("*.jsonl"),
                        *(ROOT / "benchmarks").glob("*.jsonl")]):
        first = next((line for line in path.read_text("utf-8").splitlines() if line.strip()), "")
        if '"question"' not in first:
            continue
        found.append((path, "external" if "external" in path.name else "starter"))
    return found


def snapshot_of(bot: BriefBot, question: str, history: list[str]) -> dict[str, Any]:
    answer = bot.ask(question, history=history)
    return {"question": question, "history": history, "text": answer.text,
            "abstained": answer.abstained,
            "citations": [[c.n, c.source, c.section, c.page, c.quote] for c in answer.citations]}


def take(out: Path) -> None:
    bots: dict[str, BriefBot] = {}
    for name, corpus in (("starter", ROOT / "corpus"), ("external", EXTERNAL)):
        if not corpus.is_dir():
            print(f"{name}: {corpus} not found, left out", file=sys.stderr)
            continue
        index = CACHE / f"index-{name}"
        run_index(corpus, index)  # incremental: free once built
        bots[name] = BriefBot(settings=Settings(corpus=corpus, index=index))
    answers: dict[str, dict[str, Any]] = {}
    for path, which in question_files():
        if which not in bots:
            continue
        rel = str(path.relative_to(ROOT))
        answers[rel] = {}
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                answers[rel][item["id"]] = snapshot_of(bots[which], item["question"],
                                                       list(item.get("history") or []))
        print(f"{rel}: {len(answers[rel])} answers", file=sys.stderr)
    answers["issue examples"] = {str(i): snapshot_of(bots["starter"], q, h)
                                 for i, (q, h) in enumerate(ISSUE_EXAMPLES, start=1)}
    out.write_text(json.dumps(answers, indent=1, ensure_ascii=False), "utf-8")
    print(f"wrote {sum(len(v) for v in answers.values())} answers to {out}", file=sys.stderr)


def compare(new: Path, old: Path, shown: int = 5) -> int:
    a = json.loads(old.read_text("utf-8"))
    b = json.loads(new.read_text("utf-8"))
    differ = []
    total = 0
    for group in sorted(set(a) | set(b)):
        ids = set(a.get(group, {})) | set(b.get(group, {}))
        for key in sorted(ids):
            total += 1
            if a.get(group, {}).get(key) != b.get(group, {}).get(key):
                differ.append((group, key))
    print(f"{total} answers compared, {len(differ)} differ")
    # The held-out sets are scored, never read: their answers are not shown.
    hidden = [d for d in differ if any(word in d[0] for word in HIDDEN)]
    if hidden:
        print(f"({len(hidden)} of them in held-out sets, not shown)")
    for group, key in [d for d in differ if d not in hidden][:shown]:
        before = json.dumps(a.get(group, {}).get(key), indent=1, ensure_ascii=False)
        after = json.dumps(b.get(group, {}).get(key), indent=1, ensure_ascii=False)
        print(f"--- {group} {key}")
        print("\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                             lineterm="", n=1)))
    return 1 if differ else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--compare", type=Path, help="an earlier snapshot to compare with")
    args = parser.parse_args()
    take(args.out)
    if args.compare:
        sys.exit(compare(args.out, args.compare))


if __name__ == "__main__":
    main()
