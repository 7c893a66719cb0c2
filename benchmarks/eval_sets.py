"""Every question set scored in one run: pass rate, facts, abstention, recall@5 and MRR.

    .venv/bin/python benchmarks/eval_sets.py [--sets staff dev ...] [--failures SET]

The starter corpus's sets run over the benchmarks' cached starter index, the external questions
over the external documents. The held-out sets (`validation`, `final`) print their pass rate
and nothing else: nobody reads their failures. `--failures SET` lists a tuning set's failing
questions with the answers given.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from common import CACHE, EXTERNAL, ROOT, run_index

from brief_bot.bot import BriefBot
from brief_bot.config import Settings
from brief_bot.evaluate import evaluate, load_questions

SETS = {
    "starter": ROOT / "tests/eval/questions.jsonl",
    "staff": ROOT / "tests/eval/staff.jsonl",
    "paraphrase": ROOT / "tests/eval/staff_paraphrase.jsonl",
    "holdout": ROOT / "benchmarks/staff_holdout.jsonl",
    "dev": ROOT / "benchmarks/fresh_dev.jsonl",
    "dev2": ROOT / "benchmarks/fresh_dev2.jsonl",
    "validation": ROOT / "benchmarks/fresh_validation.jsonl",
    "final": ROOT / "benchmarks/fresh_final.jsonl",
    "external": ROOT / "benchmarks/external_questions.jsonl",
}
HIDDEN = ("validation", "final")


def bot_for(name: str, bots: dict[str, BriefBot]) -> BriefBot:
    which = "external" if name == "external" else "starter"
    if which not in bots:
        corpus = EXTERNAL if which == "external" else ROOT / "corpus"
        index = CACHE / f"index-{which}"
        run_index(corpus, index)
        bots[which] = BriefBot(settings=Settings(corpus=corpus, index=index))
    return bots[which]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="*", default=[n for n in SETS if n != "final"])
    parser.add_argument("--failures", help="list this set's failing questions")
    parser.add_argument("--save", type=Path, help="write each tuning set's results by id here")
    parser.add_argument("--compare", type=Path, help="list what changed since a --save file")
    args = parser.parse_args()
    bots: dict[str, BriefBot] = {}
    saved: dict[str, dict[str, bool]] = {}
    before = json.loads(args.compare.read_text()) if args.compare else {}
    for name in args.sets:
        if not SETS[name].is_file():
            print(f"{name}: {SETS[name]} not found")
            continue
        result = evaluate(bot_for(name, bots), load_questions(SETS[name]))
        summary = result["summary"]
        if name in HIDDEN:
            print(f"{name:10} pass rate {summary['pass_rate']:.3f} ({summary['n']} questions)")
            continue
        print(f"{name:10} pass rate {summary['pass_rate']:.3f}  facts {summary['facts']:.3f}  "
              f"contains {summary['answer_contains']:.3f}  "
              f"abstain {summary['abstain_accuracy']:.3f}  recall@5 {summary['recall@5']:.3f}  "
              f"MRR {summary['mrr']:.3f}  (n {summary['n']})", flush=True)
        saved[name] = {r["id"]: r["ok"] for r in result["results"]}
        for r in result["results"]:
            was = before.get(name, {}).get(r["id"])
            if was is not None and was != r["ok"]:
                print(f"   {'FIXED' if r['ok'] else 'BROKE'} {r['id']}: {r['question'][:90]}")
        if args.failures == name:
            for r in result["results"]:
                if not r["ok"]:
                    print(json.dumps({k: r.get(k) for k in ("id", "question", "abstained",
                                                             "rank", "facts", "missing")}))
                    print("   ", r["answer"][:600].replace("\n", "\n    "))
    if args.save:
        args.save.write_text(json.dumps(saved, indent=0))


if __name__ == "__main__":
    main()
