"""The path one question takes through the code, measured by tracing `BriefBot.ask`.

    .venv/bin/python benchmarks/question_path.py [--repo CHECKOUT]

For each question: how many of brief-bot's modules the call passes through, how many times it
comes back to a module it had left (A -> B -> A counts one return to A), and how many times
the question's own text is read again after analysis: stemmed (`analyze` on the question or a
part of it), scanned by the glossary, or its shorthand expanded. Uses the benchmarks' cached
starter index. `--repo` measures another checkout (an older commit) the same way.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any

QUESTIONS = [
    "What are our messages for the Plenipot?",
    "how was the WCIT internet resolution adopted?",
    "What's on our timeline for 2015?",
    "What is route 4?",
    "and who didn't sign?",
]
HISTORY = {"and who didn't sign?": ["How many countries signed the ITRs at WCIT-12?"]}


def trace(ask: Any, question: str, history: list[str], package: str) -> dict[str, int]:
    """Modules entered in order (consecutive calls in one module counted once)."""
    path: list[str] = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        module = frame.f_globals.get("__name__", "")
        if module.startswith(package) and (not path or path[-1] != module):
            path.append(module)

    sys.setprofile(profile)
    try:
        ask(question, history=history)
    finally:
        sys.setprofile(None)
    returns = sum(1 for i, m in enumerate(path) if m in path[:i])
    stages: list[str] = []
    for module in path:
        stage = _stage(module)
        # Shared helpers (types, terms, dates) are not a stage the question passes through.
        if stage != "base" and (not stages or stages[-1] != stage):
            stages.append(stage)
    stage_returns = sum(1 for i, m in enumerate(stages) if m in stages[:i])
    return {"modules": len(set(path)), "steps": len(path), "returns": returns,
            "stages": len(set(stages)), "stage_returns": stage_returns,
            "stage_path": " > ".join(stages[:12]) + (" ..." if len(stages) > 12 else "")}


def _stage(module: str) -> str:
    """The stage a module belongs to, in the new layout or the old flat one."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import house

    return house.LAYERS[house.layer_of(module)][0] if house.layer_of(module) >= 0 else module


def rereads(bot: Any, question: str, history: list[str],
            modules: dict[Any, list[str]]) -> tuple[int, int]:
    """Times the question's text (or the earlier turn's) is stemmed, scanned by the glossary or
    has its shorthand expanded: (inside the analysis that makes the `Query`, after it). Counted
    by wrapping those functions; a wrapped call inside another counts once."""
    counts = {"during": 0, "after": 0, "depth": 0}
    texts = {question.lower(), *(h.lower() for h in history)}

    def counting(fn: Any) -> Any:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            text = next((a for a in args if isinstance(a, str)), "")
            if counts["depth"] == 0 and len(text) >= 8 and any(
                    t in text.lower() or text.lower() in t for t in texts):
                frame, inside = sys._getframe(1), False
                while frame is not None:
                    inside = inside or frame.f_code.co_name == "analyse"
                    frame = frame.f_back
                counts["during" if inside else "after"] += 1
            counts["depth"] += 1
            try:
                return fn(*args, **kwargs)
            finally:
                counts["depth"] -= 1
        return wrapped

    patched = []
    for module, names in modules.items():
        for name in names:
            owner = module
            attr = name
            if "." in name:
                owner = getattr(module, name.split(".")[0])
                attr = name.split(".")[1]
            original = getattr(owner, attr, None)
            if original is None:
                continue
            setattr(owner, attr, counting(original))
            patched.append((owner, attr, original))
    try:
        bot.ask(question, history=history)
    finally:
        for owner, attr, original in patched:
            setattr(owner, attr, original)
    return counts["during"], counts["after"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", type=Path, help="another checkout to measure")
    args = parser.parse_args()
    if args.repo:
        sys.path[:0] = [str(args.repo / "src"), str(args.repo)]
    from common import CACHE, ROOT, run_index

    from brief_bot.bot import BriefBot
    from brief_bot.config import Settings

    index = CACHE / "index-starter"
    run_index(ROOT / "corpus", index)
    bot = BriefBot(settings=Settings(corpus=ROOT / "corpus", index=index))
    bot.warm_up()
    modules = _reread_points()
    rows = []
    for question in QUESTIONS:
        history = HISTORY.get(question, [])
        bot.ask(question, history=history)  # warm caches: the path of a warm question
        row = trace(bot.ask, question, history, "brief_bot")
        row["reads_in_analysis"], row["reads_after"] = rereads(bot, question, history, modules)
        rows.append(row)
        print(f"{question!r}: {row}")
    for key in ("modules", "steps", "returns", "stages", "stage_returns", "reads_in_analysis",
                "reads_after"):  # the stage path is printed with each question above
        print(f"median {key}: {statistics.median(r[key] for r in rows)}")


def _reread_points() -> dict[Any, list[str]]:
    """Where the question could be read again: every module's `analyze`, the glossary's scans,
    the shorthand expansion (old and new layouts alike)."""
    import importlib

    points: dict[Any, list[str]] = {}
    for name in ("brief_bot.keyword", "brief_bot.terms", "brief_bot.index.keyword",
                 "brief_bot.query", "brief_bot.search.analyse", "brief_bot.search",
                 "brief_bot.search.retrieve", "brief_bot.answer", "brief_bot.answer.compose",
                 "brief_bot.extract", "brief_bot.answer.extract", "brief_bot.sets",
                 "brief_bot.answer.sets", "brief_bot.answer.scoring", "brief_bot.glossary",
                 "brief_bot.index.glossary", "brief_bot.index.reader", "brief_bot.reader"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        names = [n for n in ("analyze", "plain_words", "stems_of", "content_terms")
                 if hasattr(module, n)]
        if hasattr(module, "Glossary"):
            names += ["Glossary.spans", "Glossary.matches", "Glossary.expand"]
        if hasattr(module, "KeywordIndex"):
            names += ["KeywordIndex.analyze"]
        if hasattr(module, "Snapshot"):
            names += ["Snapshot.analyze"]
        points[module] = names
    return points


if __name__ == "__main__":
    main()
