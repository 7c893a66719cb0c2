"""Run a question file through `BriefBot` and score it (design.md's format and output).

Two ways to check an answer's text: `answer_contains` (every entry present, `a|b` either) and
`facts` with `min` (a list of facts, each a list of alternative phrasings; the answer passes
with at least `min` of them), for list and several-part answers where one phrase proves nothing.
An abstention holds no answer, whatever the nearest-documents note it prints happens to say.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .bot import BriefBot


def load_questions(path: Path) -> list[dict[str, Any]]:
    items = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not str(item.get("question", "")).strip():
            raise ValueError(f"{path}:{number}: needs a \"question\"")
        facts = item.get("facts")
        if facts is not None and (not isinstance(facts, list) or not all(
                isinstance(f, list) and f and all(isinstance(a, str) for a in f) for f in facts)):
            raise ValueError(f"{path}:{number}: \"facts\" is a list of lists of phrasings")
        item.setdefault("id", f"q{number}")
        items.append(item)
    if not items:
        raise ValueError(f"{path}: no questions")
    return items


def contains_all(answer: str, wanted: Iterable[str]) -> list[str]:
    """The `answer_contains` entries missing from the answer (`a|b` means either)."""
    low = answer.lower()
    return [w for w in wanted if not any(alt.strip().lower() in low for alt in w.split("|"))]


def facts_found(answer: str, facts: Sequence[Sequence[str]]) -> list[bool]:
    """For each fact, whether the answer holds one of its phrasings (case-insensitive)."""
    low = answer.lower()
    return [any(alt.lower() in low for alt in fact) for fact in facts]


def distinct_sources(passages: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(p.source for p in passages))


def evaluate(bot: BriefBot, items: list[dict[str, Any]], *, k: int = 5) -> dict[str, Any]:
    results = []
    hits = rr = contains_ok = contains_n = abstain_ok = facts_ok = facts_n = passed = 0
    in_scope = 0
    for item in items:
        history = item.get("history", ())
        answer = bot.ask(item["question"], history=history, filters=item.get("filters"))
        # Ranked distinct sources need a deeper list than the few passages an answer uses.
        sources = distinct_sources(bot.search(item["question"], k=4 * k, history=history,
                                              filters=item.get("filters")))
        if answer.abstained:
            sources = []
        # What the answer says, for scoring: nothing when it abstains.
        said = "" if answer.abstained else answer.text
        expected = set(item.get("expected_sources") or [])
        expect_abstain = bool(item.get("expect_abstain"))
        rank = next((i for i, s in enumerate(sources, start=1) if s in expected), None)
        result: dict[str, Any] = {
            "id": item["id"], "question": item["question"], "answer": answer.text,
            "abstained": answer.abstained, "sources": sources,
            "citations": [c.to_dict() for c in answer.citations], "missing": [],
        }
        ok = answer.abstained == expect_abstain
        abstain_ok += ok
        if expected and not expect_abstain:
            in_scope += 1
            hit = rank is not None and rank <= k
            hits += hit
            rr += 1.0 / rank if rank else 0.0
            result["rank"] = rank
            ok = ok and hit
        wanted = item.get("answer_contains") or []
        if wanted and not expect_abstain:
            contains_n += 1
            missing = contains_all(said, wanted)
            contains_ok += not missing
            result["missing"] = missing
            ok = ok and not missing
        facts = item.get("facts") or []
        if facts and not expect_abstain:
            facts_n += 1
            found = facts_found(said, facts)
            need = int(item.get("min", len(facts)))
            result["facts"] = {"found": sum(found), "min": need, "of": len(facts),
                               "missing": [f[0] for f, got in zip(facts, found, strict=True)
                                           if not got]}
            facts_ok += sum(found) >= need
            ok = ok and sum(found) >= need
        result["ok"] = ok
        passed += ok
        results.append(result)
    summary = {
        "n": len(items),
        f"recall@{k}": round(hits / in_scope, 4) if in_scope else 1.0,
        "mrr": round(rr / in_scope, 4) if in_scope else 1.0,
        "answer_contains": round(contains_ok / contains_n, 4) if contains_n else 1.0,
        "facts": round(facts_ok / facts_n, 4) if facts_n else 1.0,
        "abstain_accuracy": round(abstain_ok / len(items), 4),
        "pass_rate": round(passed / len(items), 4),
    }
    return {"summary": summary, "results": results}
