"""Run a question file through `BriefBot` and score it (design.md's format and output).

Two ways to check an answer's text: `answer_contains` (every entry present, `a|b` either) and
`facts` with `min` (a list of facts, each a list of alternative phrasings; the answer passes
with at least `min` of them), for list and several-part answers where one phrase proves nothing.
An abstention holds no answer, whatever the nearest-documents note it prints happens to say.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .bot import BriefBot
from .records import are_facts, read_records


def load_questions(path: Path) -> list[dict[str, Any]]:
    items = []
    for number, item in read_records(path, "question"):
        facts = item.get("facts")
        if facts is not None and not are_facts(facts):
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
    for item in items:
        history = conversation(bot, item.get("history") or (), item.get("filters"))
        answer = bot.ask(item["question"], history=history, filters=item.get("filters"))
        # Ranked distinct sources need a deeper list than the few passages an answer uses.
        sources = distinct_sources(bot.search(item["question"], k=4 * k, history=history,
                                              filters=item.get("filters")))
        results.append(score(item, answer, [] if answer.abstained else sources, k))
    return {"summary": summarise(items, results, k), "results": results}


def conversation(bot: BriefBot, questions: Sequence[str],
                 filters: Any = None) -> list[dict[str, str]]:
    """The earlier questions of a follow-up, asked in turn, with the bot's own answers: the
    conversation a person would have had before asking it."""
    turns: list[dict[str, str]] = []
    for question in questions:
        answer = bot.ask(question, history=turns, filters=filters)
        turns += [{"role": "user", "content": question},
                  {"role": "assistant", "content": answer.text}]
    return turns


def score(item: dict[str, Any], answer: Any, sources: list[str], k: int) -> dict[str, Any]:
    """One question's result: its rank, what its answer misses, and whether it passes."""
    said = "" if answer.abstained else answer.text  # an abstention holds no answer
    expected = set(item.get("expected_sources") or [])
    expect_abstain = bool(item.get("expect_abstain"))
    result: dict[str, Any] = {
        "id": item["id"], "question": item["question"], "answer": answer.text,
        "abstained": answer.abstained, "sources": sources,
        "citations": [c.to_dict() for c in answer.citations], "missing": [],
        "abstain_ok": answer.abstained == expect_abstain,
    }
    ok = result["abstain_ok"]
    if expected and not expect_abstain:
        rank = next((i for i, s in enumerate(sources, start=1) if s in expected), None)
        result["rank"] = rank
        ok = ok and rank is not None and rank <= k
    wanted = item.get("answer_contains") or []
    if wanted and not expect_abstain:
        result["missing"] = contains_all(said, wanted)
        result["contains_ok"] = not result["missing"]
        ok = ok and result["contains_ok"]
    facts = item.get("facts") or []
    if facts and not expect_abstain:
        found = facts_found(said, facts)
        need = int(item.get("min", len(facts)))
        result["facts"] = {"found": sum(found), "min": need, "of": len(facts),
                           "missing": [f[0] for f, got in zip(facts, found, strict=True)
                                       if not got]}
        ok = ok and sum(found) >= need
    result["ok"] = ok
    return result


def summarise(items: list[dict[str, Any]], results: list[dict[str, Any]],
              k: int) -> dict[str, Any]:
    ranked = [r for r in results if "rank" in r]
    contains = [r["contains_ok"] for r in results if "contains_ok" in r]
    facts = [r["facts"]["found"] >= r["facts"]["min"] for r in results if "facts" in r]

    def share(values: list[bool] | list[float]) -> float:
        return round(sum(values) / len(values), 4) if values else 1.0

    return {
        "n": len(items),
        f"recall@{k}": share([r["rank"] is not None and r["rank"] <= k for r in ranked]),
        "mrr": share([1.0 / r["rank"] if r["rank"] else 0.0 for r in ranked]),
        "answer_contains": share(contains),
        "facts": share(facts),
        "abstain_accuracy": share([r["abstain_ok"] for r in results]),
        "pass_rate": share([r["ok"] for r in results]),
    }
