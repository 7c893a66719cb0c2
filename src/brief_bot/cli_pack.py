"""The meeting-pack commands of the `brief-bot` command line (registered in `cli`):

    brief-bot pack FORUM [--out FILE.docx|FILE.md] [--audience internal|public] [--json]
    brief-bot eval-packs KEYS.jsonl [--min-sections 0.9] [--json]

A thin door over `BriefBot.pack`, like the other commands; heavy libraries load inside them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .config import Settings

CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Folder of documents "
                      "[env BRIEF_BOT_CORPUS; default corpus/].", show_default=False)]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Folder of index generations "
                     "[env BRIEF_BOT_INDEX; default indexes/].", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _settings(corpus: Path | None, index: Path | None) -> Settings:
    try:
        return Settings().with_overrides(corpus=corpus, index=index)
    except Exception as exc:  # noqa: BLE001 - pydantic's message is the useful part
        _fail(f"bad settings: {exc}")
        raise


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, default=str))


AudienceOpt = Annotated[str, typer.Option(
    "--audience", help="internal: every document; public: internal documents left out, so "
    "the pack can go to partners.")]


def pack(
    forum: Annotated[str, typer.Argument(help="The forum, as you would name it: \"PP-14\", "
                                         "\"the Plenipot\", \"Council 2015\", \"cwg "
                                         "internet\".")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write the pack to FILE.docx (Word) or FILE.md (Markdown) instead of "
        "printing it.", dir_okay=False)] = None,
    audience: AudienceOpt = "internal",
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Build a cited meeting pack for one forum, offline, from the documents.

    Every sentence is quoted from a document and cited [n]: the forum in brief, what is at
    stake, our messages (quoted whole, with status and date), dates and actions, how we can
    take part, lines for a delegate, risks and open questions, who leads, and the sources.
    A forum the documents do not cover is declined, with the forums they do.

    \b
    Examples:
      brief-bot pack PP-14
      brief-bot pack "the Plenipot" --out pp14-pack.docx
      brief-bot pack "Council 2015" --audience public --out council-2015.md
      brief-bot pack "cwg internet" --json | jq .texts.messages
    """
    from .bot import BriefBot, BriefBotError
    from .pack.docx import pack_docx
    from .pack.markdown import pack_json, render_markdown

    suffix = out.suffix.lower() if out else ""
    if out is not None and suffix not in (".docx", ".md"):
        _fail("--out takes a file ending in .docx or .md")
    try:
        built = BriefBot(settings=_settings(corpus, index)).pack(forum, audience=audience)
    except BriefBotError as exc:
        _fail(f"no pack: {exc}")
        return
    if out is not None and not built.declined:
        try:
            out.write_bytes(pack_docx(built) if suffix == ".docx"
                            else render_markdown(built).encode("utf-8"))
        except OSError as exc:
            _fail(f"cannot write {out}: {exc.strerror or exc}")
        if not as_json:
            typer.echo(f"wrote {out}: {built.title}, {len(built.sections)} sections, "
                       f"{len(built.sources)} sources", err=True)
            return
    if as_json:
        _print_json(pack_json(built))
    elif sys.stdout.isatty():
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(render_markdown(built)))
    else:
        typer.echo(render_markdown(built), nl=False)


def eval_packs(
    keys: Annotated[Path, typer.Argument(help="A JSON Lines key file of forums and the facts "
                                         "each section must hold.", exists=True,
                                         dir_okay=False)],
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    min_sections: Annotated[float | None, typer.Option(
        help="Exit 1 below this share of keyed sections passing, or if a decline is "
        "wrong.")] = None,
) -> None:
    """Score meeting packs against a key file (sections passing, declines).

    A section passes when its text holds at least `min` of its `facts`; a forum marked
    `expect_declined` passes when its pack is declined.

    \b
    Examples:
      brief-bot eval-packs tests/eval/packs.jsonl
      brief-bot eval-packs tests/eval/packs.jsonl --min-sections 0.9
      brief-bot eval-packs tests/eval/packs.jsonl --json > packs-eval.json
    """
    from .bot import BriefBot, BriefBotError
    from .pack.score import evaluate_packs, load_keys, passes

    try:
        items = load_keys(keys)
        bot = BriefBot(settings=_settings(corpus, index))
        result = evaluate_packs(bot.pack, items)
    except (BriefBotError, ValueError) as exc:
        _fail(str(exc))
        return
    summary = result["summary"]
    if as_json:
        _print_json(result)
    else:
        for r in result["results"]:
            bad = {k: f"{v['found']}/{v['of']} (need {v['min']}; missing {v['missing']})"
                   for k, v in r["sections"].items() if not v["ok"]}
            mark = "ok " if r["declined_ok"] and not bad else "BAD"
            shown = "declined" if r["declined"] else r["resolved"]
            typer.echo(f"{mark} {r['id']}: {r['forum']} -> {shown}" +
                       (f"; failing: {bad}" if bad else ""))
        typer.echo(json.dumps(summary))
    if min_sections is not None and not passes(summary, min_sections):
        _fail(f"below threshold: {summary['sections_passed']}/{summary['sections_keyed']} "
              f"sections, {summary['declines_ok']}/{summary['declines_expected']} declines")
