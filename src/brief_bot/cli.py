"""The `brief-bot` command line: a thin door over the index stage and `BriefBot`.

Heavy libraries (torch, sentence-transformers, chromadb, gradio, slack_bolt) are imported inside
the commands that need them, so `brief-bot --help` stays instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from . import cli_pack
from .config import IndexSettings, Settings
from .offline import go_offline
from .types import FilterError, Filters

app = typer.Typer(
    name="brief-bot",
    help="""Grounded, cited answers from BB's ITU briefing documents.

\b
Examples:
  brief-bot index                         # add new, re-embed changed, drop deleted files
  brief-bot index --rebuild --json        # a fresh generation, summary as JSON
  brief-bot status                        # serving generation, counts, corpus changes
  brief-bot ask "how was the WCIT internet resolution adopted?"
  brief-bot ask "our messages for the plenipot" --filter status=agreed --json
  brief-bot eval tests/eval/questions.jsonl
  brief-bot pack PP-14 --out pp14.docx    # a cited meeting pack for one forum
  brief-bot serve                         # chat page on http://127.0.0.1:7860
  brief-bot slack                         # Slack relay (Socket Mode)

Every option can also be set as BRIEF_BOT_<NAME> or in brief-bot.toml.""",
    no_args_is_help=True,
    rich_markup_mode=None,
    add_completion=False,
    # Plain tracebacks: rich's boxes with local variables could print a token.
    pretty_exceptions_enable=False,
)

@app.callback()
def _program() -> None:
    # The program starts here: offline switches before any library that reads them loads.
    go_offline()


CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Folder of documents "
                      "[env BRIEF_BOT_CORPUS; default corpus/].", show_default=False)]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Folder of index generations "
                     "[env BRIEF_BOT_INDEX; default indexes/].", show_default=False)]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]


def _settings(corpus: Path | None = None, index: Path | None = None, **extra: Any) -> Settings:
    try:
        return Settings().with_overrides(corpus=corpus, index=index, **extra)
    except Exception as exc:  # noqa: BLE001 - pydantic's message is the useful part
        _fail(f"bad settings: {exc}")
        raise


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=None, default=str))


@app.command()
def index(
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Start a fresh generation, "
                                          "embedding everything again.")] = False,
    as_json: JsonOpt = False,
    progress: Annotated[bool, typer.Option(help="Show progress on stderr.")] = True,
) -> None:
    """Update the index from the corpus folder (safe to run while others serve).

    \b
    Examples:
      brief-bot index
      brief-bot index --corpus ~/briefings --index /srv/brief-bot/indexes
      brief-bot index --rebuild --json > last-build.json
    """
    from . import index as index_stage
    from .index.progress import PlainProgress, make_progress

    settings = _settings(corpus, index)
    bar = make_progress(progress) if progress else PlainProgress(open("/dev/null", "w"))  # noqa: SIM115
    try:
        report = index_stage.update(settings.indexing, rebuild=rebuild, progress=bar)
    except index_stage.IndexStateError as exc:
        bar.close()
        _fail(str(exc))
        return
    except OSError as exc:  # the index folder itself unwritable, say: one line, not a trace
        bar.close()
        _fail(f"{exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}; the "
              "previous index generation is still serving")
        return
    except KeyboardInterrupt:
        bar.close()
        _fail("interrupted: the previous index generation is still serving", 130)
        return
    bar.close()
    for skip in report.skipped:
        typer.echo(f"skipped {skip['source']}: {skip['reason']}", err=True)
    for warning in report.warnings:
        typer.echo(f"warning {warning['source']}: {warning['warning']}", err=True)
    if report.deferred:
        typer.echo(f"left for the next run: {len(report.deferred)} files (a run embeds at most "
                   f"{settings.indexing.max_embed_chunks:,} chunks, BRIEF_BOT_MAX_EMBED_CHUNKS); "
                   "run `brief-bot index` again to continue", err=True)
    if as_json:
        _print_json(report.to_dict())
        return
    state = "new generation" if report.new_generation else "no changes; still serving"
    typer.echo(
        f"{state} {report.generation}: {report.files_seen} files seen, {report.added} added, "
        f"{report.updated} updated, {report.deleted} deleted, {report.unchanged} unchanged, "
        f"{len(report.skipped)} skipped; {report.chunks} chunks "
        f"({report.embedded} embedded, {report.reused} reused) in {report.seconds:.1f} s")


@app.command()
def status(corpus: CorpusOpt = None, index: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """Show the serving generation, its counts, and what changed in the corpus since.

    \b
    Examples:
      brief-bot status
      brief-bot status --json | jq .changes_since
    """
    from . import index as index_stage

    settings = _settings(corpus, index)
    try:
        info = index_stage.status(settings.indexing)
    except index_stage.IndexStateError as exc:
        _fail(str(exc))
        return
    except OSError as exc:
        _fail(f"{exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}")
        return
    if as_json:
        _print_json(info)
        return
    changes = info["changes_since"]
    typer.echo(f"generation {info['generation']} built {info['built_at']}")
    typer.echo(f"  {info['documents']} documents, {info['chunks']} chunks, "
               f"{len(info['skipped'])} skipped; store: {info['store']}")
    if info["up_to_date"]:
        typer.echo("  corpus unchanged since the build")
    else:
        for kind in ("new", "changed", "deleted"):
            for source in changes[kind]:
                typer.echo(f"  {kind}: {source}")
        typer.echo("  run `brief-bot index` to bring the index up to date")
    for skip in info["skipped"]:
        typer.echo(f"  skipped {skip['source']}: {skip['reason']}")


def _filters(pairs: list[str] | None) -> Filters:
    try:
        return Filters.parse(pairs or [])
    except FilterError as exc:
        _fail(f"--filter: {exc}")
        raise


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in plain words.")],
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    k: Annotated[int | None, typer.Option("--k", help="Passages to retrieve.")] = None,
    filter_: Annotated[list[str] | None, typer.Option(
        "--filter", help="KEY=VALUE on doc_type, forum, status, audience or source; "
        "repeatable.")] = None,
    plain: Annotated[bool, typer.Option(
        "--plain", help="Print the answer's Markdown as it is (the default when piped).")] = False,
) -> None:
    """Answer one question with numbered citations.

    In a terminal the answer is rendered (lists as lists, quoted messages as quote blocks);
    piped or with --plain it is the answer's Markdown text.

    \b
    Examples:
      brief-bot ask "what are our messages for the Plenipot?"
      brief-bot ask "wcit internet res?" --json
      brief-bot ask "openness" --filter forum=CWG-Internet --filter status=agreed --k 8
    """
    from .bot import BriefBot, BriefBotError

    settings = _settings(corpus, index, k=k)
    try:
        bot = BriefBot(settings=settings)
        answer = bot.ask(question, filters=_filters(filter_))
    except BriefBotError as exc:
        _fail(str(exc))
        return
    if as_json:
        _print_json(answer.to_dict())
        return
    if plain or not sys.stdout.isatty():
        typer.echo(answer.text)
    else:
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(answer.text))
    if answer.citations:
        typer.echo("\nSources:")
        for c in answer.citations:
            where = ", ".join(p for p in (c.section, f"p. {c.page}" if c.page else "") if p)
            typer.echo(f"  [{c.n}] {c.title} ({c.source}{'; ' + where if where else ''})")


@app.command(name="eval")
def eval_(
    questions: Annotated[Path, typer.Argument(help="A JSON Lines question file.",
                                              exists=True, dir_okay=False)],
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    as_json: JsonOpt = False,
    k: Annotated[int, typer.Option("--k", help="Sources counted for recall@k.")] = 5,
    min_recall: Annotated[float | None, typer.Option(help="Exit 1 below this recall@k.")] = None,
    min_contains: Annotated[float | None, typer.Option(
        help="Exit 1 below this answer_contains score.")] = None,
    min_abstain: Annotated[float | None, typer.Option(
        help="Exit 1 below this abstain accuracy.")] = None,
    min_facts: Annotated[float | None, typer.Option(
        help="Exit 1 below this share of `facts` questions answered with their `min`.")] = None,
    min_pass: Annotated[float | None, typer.Option(
        help="Exit 1 below this share of questions passing every check.")] = None,
) -> None:
    """Score the bot on a question file (recall@k, MRR, answer_contains, facts, abstention).

    A question passes when its sources are found, its answer holds what `answer_contains` or
    `facts`/`min` ask, and it abstains exactly when `expect_abstain` says so.

    \b
    Examples:
      brief-bot eval tests/eval/questions.jsonl
      brief-bot eval tests/eval/staff.jsonl --min-pass 0.9
      brief-bot eval tests/eval/questions.jsonl --json > eval.json
      brief-bot eval tests/eval/questions.jsonl --min-recall 0.95 --min-contains 0.9
    """
    from .bot import BriefBot, BriefBotError
    from .evaluate import evaluate, load_questions

    settings = _settings(corpus, index)
    try:
        items = load_questions(questions)
        result = evaluate(BriefBot(settings=settings), items, k=k)
    except (BriefBotError, ValueError) as exc:
        _fail(str(exc))
        return
    summary = result["summary"]
    if as_json:
        _print_json(result)
    else:
        _print_results(result["results"], k)
        typer.echo(json.dumps(summary))
    failed = [name for name, floor, key in (("recall", min_recall, f"recall@{k}"),
                                             ("answer_contains", min_contains, "answer_contains"),
                                             ("abstain", min_abstain, "abstain_accuracy"),
                                             ("facts", min_facts, "facts"),
                                             ("pass rate", min_pass, "pass_rate"))
              if floor is not None and summary[key] < floor]
    if failed:
        _fail(f"below threshold: {', '.join(failed)}")


def _print_results(results: list[dict[str, Any]], k: int) -> None:
    for r in results:
        mark = "ok " if r["ok"] else "BAD"
        typer.echo(f"{mark} {r['id']}: {r['question']}")
        if not r["ok"]:
            facts = r.get("facts")
            missing = r["missing"] or (facts and facts["missing"])
            held = f" (facts {facts['found']}/{facts['of']}, need {facts['min']})" \
                if facts else ""
            typer.echo(f"      abstained: {r['abstained']}; sources: {r['sources'][:k]}; "
                       f"missing: {missing}{held}")


@app.command()
def serve(
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to bind [default 127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port [default 7860].")] = None,
) -> None:
    """Serve the chat page (builds the index first if there is none).

    \b
    Examples:
      brief-bot serve
      BRIEF_BOT_AUTH=alice:secret brief-bot serve --host 0.0.0.0 --port 8080
    """
    settings = _settings(corpus, index, host=host, port=port)
    _ensure_index(settings.indexing)
    from ui.app import launch

    launch(settings)


def _ensure_index(settings: IndexSettings) -> None:
    from . import index as index_stage
    from .index.progress import make_progress

    try:
        if index_stage.read_pointer(settings.index) is not None:
            return
    except index_stage.IndexStateError as exc:
        _fail(str(exc))
    typer.echo(f"no index in {settings.index} yet: building it from {settings.corpus}", err=True)
    bar = make_progress()
    try:
        report = index_stage.update(settings, progress=bar)
    except index_stage.IndexStateError as exc:
        bar.close()
        _fail(str(exc))
        return
    bar.close()
    for skip in report.skipped:
        typer.echo(f"skipped {skip['source']}: {skip['reason']}", err=True)


@app.command()
def slack(
    corpus: CorpusOpt = None,
    index: IndexOpt = None,
    http: Annotated[bool, typer.Option("--http", help="Use the HTTP Events API instead of "
                                       "Socket Mode (needs SLACK_SIGNING_SECRET).")] = False,
    socket: Annotated[bool, typer.Option("--socket", help="Socket Mode (the default; needs "
                                         "SLACK_APP_TOKEN and SLACK_BOT_TOKEN).")] = False,
    host: Annotated[str, typer.Option(help="Address for --http.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for --http.")] = 3000,
) -> None:
    """Run the Slack relay: answers mentions and DMs in threads, with sources.

    \b
    Examples:
      SLACK_APP_TOKEN=xapp-... SLACK_BOT_TOKEN=xoxb-... brief-bot slack
      SLACK_SIGNING_SECRET=... SLACK_BOT_TOKEN=xoxb-... brief-bot slack --http --port 3000
    """
    if http and socket:
        _fail("choose one of --http and --socket")
    settings = _settings(corpus, index)
    _ensure_index(settings.indexing)
    from .slack.serve import run_relay

    run_relay(settings, http=http, host=host, port=port)


# Meeting packs (issue 17): `brief-bot pack FORUM` and `brief-bot eval-packs KEYS`.
app.command()(cli_pack.pack)
app.command(name="eval-packs")(cli_pack.eval_packs)

feedback_app = typer.Typer(help="Answer feedback (thumbs up/down) from the web page and Slack.",
                           no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export(
    output: Annotated[Path | None, typer.Argument(help="CSV file to write; stdout if omitted.")]
    = None,
) -> None:
    """Write all feedback as CSV.

    \b
    Examples:
      brief-bot feedback export feedback.csv
      brief-bot feedback export | head
    """
    from .feedback import FeedbackStore

    store = FeedbackStore(Settings().feedback_db)
    if output is None:
        store.export_csv(sys.stdout)
    else:
        with open(output, "w", newline="", encoding="utf-8") as fh:
            count = store.export_csv(fh)
        typer.echo(f"wrote {count} rows to {output}", err=True)


if __name__ == "__main__":
    app()
