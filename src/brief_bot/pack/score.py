"""Scoring packs against a key file (`tests/eval/packs.jsonl`), one forum a line:

    {"id": "pack-pp14", "forum": "PP-14", "expect_declined": false,
     "sections": {"brief": {"facts": [["Busan"], ["20 October to 7 November 2014", ...]],
                            "min": 5}, ...},
     "empty_sections": ["lines"]}

A keyed section passes when its text holds at least `min` of its facts (each fact a list of
phrasings, any one of which counts, case-insensitive); a forum expected to be declined passes
when its pack is declined. `empty_sections` is reported, not scored: whether the pack agrees
that those sections are empty.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..records import are_facts, read_records
from .markdown import section_texts
from .model import SECTIONS, Pack

KEYS = frozenset(key for key, _ in SECTIONS)


def load_keys(path: Path) -> list[dict[str, Any]]:
    """The key file's lines, checked; `ValueError` naming the line that is wrong."""
    items = []
    for number, item in read_records(path, "forum"):
        for key, spec in (item.get("sections") or {}).items():
            facts = spec.get("facts") if isinstance(spec, dict) else None
            if key not in KEYS or facts is None or not are_facts(facts):
                raise ValueError(f"{path}:{number}: section {key!r} needs \"facts\", a list "
                                 f"of lists of phrasings (sections: {', '.join(sorted(KEYS))})")
        item.setdefault("id", f"pack{number}")
        items.append(item)
    if not items:
        raise ValueError(f"{path}: no forums")
    return items


def score_pack(item: dict[str, Any], pack: Pack) -> dict[str, Any]:
    """One forum's result: each keyed section's facts found, and the declines."""
    expect = bool(item.get("expect_declined"))
    texts = {} if pack.declined else {k: v.lower() for k, v in section_texts(pack).items()}
    sections = {}
    for key, spec in (item.get("sections") or {}).items():
        text = texts.get(key, "")
        found = [any(alt.lower() in text for alt in fact) for fact in spec["facts"]]
        need = int(spec.get("min", len(found)))
        sections[key] = {"found": sum(found), "min": need, "of": len(found),
                         "ok": sum(found) >= need,
                         "missing": [f[0] for f, got in zip(spec["facts"], found, strict=True)
                                     if not got]}
    expected_empty = set(item.get("empty_sections") or [])
    ours_empty = {key for key, _ in SECTIONS if key not in texts} if not pack.declined else set()
    return {"id": item["id"], "forum": item["forum"], "resolved": pack.forum,
            "declined": pack.declined, "declined_ok": pack.declined == expect,
            "expect_declined": expect, "sections": sections,
            "empty_expected": sorted(expected_empty),
            "empty_agreed": sorted(expected_empty & ours_empty),
            "notice": pack.notice}


def evaluate_packs(build: Callable[[str], Pack], items: list[dict[str, Any]]
                   ) -> dict[str, Any]:
    results = [score_pack(item, build(item["forum"])) for item in items]
    keyed = [s for r in results for s in r["sections"].values()]
    declines = [r for r in results if r["expect_declined"]]
    empty_expected = sum(len(r["empty_expected"]) for r in results)
    summary = {
        "forums": len(results),
        "sections_keyed": len(keyed),
        "sections_passed": sum(s["ok"] for s in keyed),
        "section_share": round(sum(s["ok"] for s in keyed) / len(keyed), 4) if keyed else 1.0,
        "declines_expected": len(declines),
        "declines_ok": sum(r["declined_ok"] for r in declines),
        "wrongly_declined": [r["id"] for r in results
                             if not r["expect_declined"] and r["declined"]],
        "empty_expected": empty_expected,
        "empty_agreed": sum(len(r["empty_agreed"]) for r in results),
    }
    return {"summary": summary, "results": results}


def passes(summary: dict[str, Any], min_sections: float) -> bool:
    """The bar CI holds: enough keyed sections pass, every decline is right, and no forum
    that has a pack is declined."""
    return (summary["section_share"] >= min_sections
            and summary["declines_ok"] == summary["declines_expected"]
            and not summary["wrongly_declined"])
