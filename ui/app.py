"""The chat page: a Gradio door over `BriefBot.ask`, with sources, filters, feedback and a
documents tab.

    brief-bot serve                      # http://127.0.0.1:7860
    BRIEF_BOT_AUTH=alice:secret brief-bot serve --host 0.0.0.0

The page holds no retrieval logic: questions go to `BriefBot.ask(question, history, filters)`,
upkeep goes to `brief_bot.index.update/status/documents`, feedback to `FeedbackStore`.
Named API endpoints (for `gradio_client`): /ask, /feedback, /upload, /status.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

import gradio as gr

from brief_bot.bot import BriefBot
from brief_bot.config import Settings

from . import render
from .assets import CSS, HEAD, THEME_FONTS
from .page import Page
from .uploads import ALLOWED_SUFFIXES

log = logging.getLogger("brief_bot.web")

# Drawn from the organisation's brief (its general and specific questions), for a first visit.
EXAMPLE_QUESTIONS = (
    "Is the ITU important to civil society, and why?",
    "What are the key issues at stake at the Plenipotentiary?",
    "How have we engaged with the ITU to date?",
    "What are our messages for the Plenipot?",
    "How do we push for openness at the WTDC and the Plenipot?",
    "What will come of the Internet resolution from WCIT?",
    "What will become of the WTPF opinions?",
    "What is the civil society narrative for the Plenipot?",
    "How will we measure success?",
)

# While an upload is being indexed, the documents tab refreshes its status this often.
STATUS_POLL_SECONDS = 3.0
# Queue position updates every few seconds, not to every waiting page after every answer.
QUEUE_STATUS_SECONDS = 5.0


def parse_auth(spec: str | None) -> list[tuple[str, str]] | None:
    """`"alice:pw1,bob:pw2"` -> [("alice", "pw1"), ("bob", "pw2")]; None when unset."""
    if not spec or not spec.strip():
        return None
    pairs = []
    for item in spec.split(","):
        if not item.strip():
            continue
        user, sep, password = item.strip().partition(":")
        if not sep or not user or not password:
            raise ValueError("BRIEF_BOT_AUTH takes user:password pairs separated by commas")
        pairs.append((user, password))
    return pairs or None


def _example_text(evt: gr.SelectData) -> str:
    value = evt.value
    return str(value.get("text", "")) if isinstance(value, Mapping) else str(value or "")


def build_app(settings: Settings, *, bot: BriefBot | Any | None = None) -> gr.Blocks:
    """The page for these settings; pass `bot` (a `BriefBot` or a `BotPool`) to share one
    already warmed."""
    bot = bot or BriefBot(settings=settings)
    page = Page(settings, bot)
    facets = page.facets()
    accept = list(ALLOWED_SUFFIXES)

    with gr.Blocks(title="brief-bot", analytics_enabled=False) as demo:
        gr.Markdown("## brief-bot\nCited answers from the briefing documents. Click a "
                    "citation such as [1] to see its passage.", elem_id="bb-header")
        turns = gr.State([])
        shown_facets = gr.State(None)  # the filter choices this visitor's page has
        pending_turn = gr.Number(value=-1, visible=False, precision=0)
        pending_vote = gr.Textbox(value="", visible=False)
        answer_json = gr.JSON(visible=False)
        timer = gr.Timer(STATUS_POLL_SECONDS, active=False)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    with gr.Row(elem_id="bb-filters"):
                        forum = gr.Dropdown(facets["forum"], value=[], multiselect=True,
                                            label="Forum", allow_custom_value=True,
                                            elem_id="bb-forum")
                        doc_type = gr.Dropdown(facets["doc_type"], value=[],
                                               multiselect=True, label="Document type",
                                               allow_custom_value=True, elem_id="bb-type")
                        status = gr.Dropdown(facets["status"], value=[], multiselect=True,
                                             label="Status", allow_custom_value=True,
                                             elem_id="bb-status")
                        agreed = gr.Checkbox(label="Agreed messages only", value=False,
                                             elem_id="bb-agreed")
                    chatbot = gr.Chatbot(
                        elem_id="bb-chat", label="Conversation", height=520,
                        sanitize_html=True, allow_tags=False, latex_delimiters=[],
                        render_markdown=True, line_breaks=True, buttons=["copy"],
                        feedback_options=("Like", "Dislike"),
                        examples=[{"text": q} for q in EXAMPLE_QUESTIONS],
                        placeholder="Ask about the ITU briefings, or start from an "
                                    "example below.")
                    with gr.Group(visible=False, elem_id="bb-feedback") as fb_box:
                        fb_label = gr.Markdown(elem_id="bb-fb-label")
                        fb_comment = gr.Textbox(label="Comment (optional)", lines=2,
                                                max_lines=6, elem_id="bb-fb-comment")
                        fb_send = gr.Button("Send feedback", elem_id="bb-fb-send",
                                            size="sm")
                    fb_note = gr.Markdown(elem_id="bb-fb-note")
                    with gr.Row():
                        msg = gr.Textbox(show_label=False, scale=6, autofocus=True,
                                         placeholder="Ask a question, e.g. how was the WCIT "
                                                     "internet resolution adopted?",
                                         elem_id="bb-question", max_length=2000)
                        ask_btn = gr.Button("Ask", variant="primary", scale=1,
                                            elem_id="bb-ask")
                    new_btn = gr.Button("New conversation", size="sm", elem_id="bb-new")
                with gr.Column(scale=2, min_width=320, elem_id="bb-sources-col"):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(render.sources_html([], None), elem_id="bb-sources",
                                      apply_default_css=True)
            with gr.Tab("Documents", id="documents") as docs_tab:
                with gr.Row():
                    with gr.Column(scale=2):
                        gr.Markdown("### Index status")
                        status_box = gr.HTML(elem_id="bb-index-status")
                        refresh_btn = gr.Button("Refresh", size="sm", elem_id="bb-refresh")
                    with gr.Column(scale=1):
                        gr.Markdown(
                            f"### Add documents\nAccepted: {' '.join(accept)}; up to "
                            f"{settings.upload_max_mb:g} MB each. Files are saved in the "
                            "corpus folder under `uploads/` and indexed in the background.")
                        upload_files = gr.File(file_count="multiple", file_types=accept,
                                               type="filepath", label="Files",
                                               elem_id="bb-upload")
                        upload_btn = gr.Button("Upload and index", variant="primary",
                                               elem_id="bb-upload-btn")
                        upload_note = gr.Markdown(elem_id="bb-upload-note")
                gr.Markdown("### Indexed documents")
                docs_box = gr.HTML(elem_id="bb-docs")

        ask_inputs = [msg, forum, doc_type, status, agreed, turns]
        ask_outputs = [msg, chatbot, sources, turns, answer_json]
        flush_io = ([turns, pending_turn, pending_vote],
                    [pending_turn, pending_vote, fb_box, fb_note])
        for trigger in (msg.submit, ask_btn.click):
            trigger(page.flush, *flush_io, api_visibility="private", queue=False)
        msg.submit(page.ask, ask_inputs, ask_outputs, api_name="ask", concurrency_id="ask",
                   concurrency_limit=settings.web_concurrency, show_progress="minimal")
        ask_btn.click(page.ask, ask_inputs, ask_outputs, api_visibility="private",
                      concurrency_id="ask", concurrency_limit=settings.web_concurrency,
                      show_progress="minimal")
        chatbot.example_select(_example_text, None, msg, api_visibility="private",
                               queue=False).then(
            page.ask, ask_inputs, ask_outputs, api_visibility="private", concurrency_id="ask",
            concurrency_limit=settings.web_concurrency, show_progress="minimal")
        clear_outputs = [chatbot, sources, turns, answer_json, pending_turn, pending_vote,
                         fb_box, fb_note]
        for trigger in (new_btn.click, chatbot.clear):
            trigger(page.clear, None, clear_outputs, api_visibility="private", queue=False)
        chatbot.like(page.on_like, [turns, pending_turn, pending_vote],
                     [pending_turn, pending_vote, fb_box, fb_label, fb_comment],
                     api_visibility="private", queue=False)
        fb_send.click(page.send_feedback, [pending_turn, pending_vote, fb_comment, turns],
                      [pending_turn, pending_vote, fb_comment, fb_box, fb_note],
                      api_name="feedback", queue=False)
        fb_comment.submit(page.send_feedback, [pending_turn, pending_vote, fb_comment, turns],
                          [pending_turn, pending_vote, fb_comment, fb_box, fb_note],
                          api_visibility="private", queue=False)

        demo.load(page.load_facets, None, [forum, doc_type, status, shown_facets],
                  api_visibility="private",
                  queue=False, show_progress="hidden")
        refresh_inputs = [forum, doc_type, status, shown_facets]
        refresh_outputs = [status_box, docs_box, forum, doc_type, status, timer, shown_facets]
        for trigger in (refresh_btn.click, docs_tab.select, timer.tick):
            trigger(page.refresh, refresh_inputs, refresh_outputs, api_visibility="private",
                    show_progress="hidden", concurrency_id="refresh", concurrency_limit=1)
        upload_btn.click(page.upload, upload_files, [upload_note, upload_files, timer],
                         api_name="upload", concurrency_id="upload", concurrency_limit=1
                         ).then(page.refresh, refresh_inputs, refresh_outputs,
                                api_visibility="private")

        def status_api() -> dict[str, Any]:
            """Index status: generation, counts, built_at, skipped files, the upload job."""
            return page.status_data()

        gr.api(status_api, api_name="status")

    demo.brief_bot_page = page  # type: ignore[attr-defined]  # for tests and the launcher
    return demo


def _tune_threads(settings: Settings) -> None:
    """One torch thread per question: the page answers several questions at once, and on a
    small machine two threads per question only fight each other (and other processes).

    Torch is only loaded when there is no ONNX export yet; the variable reaches it (and the
    answering processes) without importing it here."""
    threads = settings.torch_threads
    if threads > 0:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def launch(settings: Settings) -> None:
    """Warm the bot, then serve the page on settings.host:settings.port (blocks)."""
    auth = parse_auth(settings.auth)
    if settings.host not in ("127.0.0.1", "localhost", "::1") and not auth:
        log.warning("serving on %s without a login; set BRIEF_BOT_AUTH to require one",
                    settings.host)
    _tune_threads(settings)
    bot: Any
    if settings.web_workers > 0:
        from brief_bot.pool import BotPool

        bot = BotPool(settings=settings, workers=settings.web_workers)
        bot.start()  # warm workers: the first real answer is fast
    else:
        bot = BriefBot(settings=settings)
        bot.warm_up()
        bot.ask(EXAMPLE_QUESTIONS[5])  # opens the index and the store
    demo = build_app(settings, bot=bot)
    demo.queue(default_concurrency_limit=4, max_size=256,
               status_update_rate=QUEUE_STATUS_SECONDS)
    # A stop (Ctrl-C, or SIGTERM from a service manager) ends the answering processes too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        demo.launch(
            server_name=settings.host, server_port=settings.port, share=False, auth=auth,
            auth_message="brief-bot: sign in with the user name and password you were given.",
            max_file_size=int(settings.upload_max_mb * 1024 * 1024), ssr_mode=False,
            pwa=False, mcp_server=False, enable_monitoring=False, run_history=False,
            show_error=True, footer_links=["api", "settings"], inbrowser=False, quiet=False,
            theme=gr.themes.Default(font=THEME_FONTS[0], font_mono=THEME_FONTS[1]),
            css=CSS, head=HEAD)
    finally:
        if hasattr(bot, "close"):
            bot.close()

