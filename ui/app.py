"""The chat page: a Gradio door over `BriefBot.ask`, with sources, filters, feedback and a
documents tab.

    brief-bot serve                      # http://127.0.0.1:7860
    BRIEF_BOT_AUTH=alice:secret brief-bot serve --host 0.0.0.0

The page holds no retrieval logic: questions go to `BriefBot.ask(question, history, filters)`,
upkeep goes to `brief_bot.index.update/status/documents`, feedback to `FeedbackStore`.
Named API endpoints (for `gradio_client`): /ask, /feedback, /upload, /approve, /status.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Mapping
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from brief_bot.bot import BriefBot
from brief_bot.config import Settings
from brief_bot.offline import go_offline

from . import render
from .assets import CSS, HEAD, THEME_FONTS
from .auth import LoginGuard, LoginThrottle, parse_auth
from .page import Page, filter_note
from .uploads import ALLOWED_SUFFIXES, APPROVABLE

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


def _example_text(evt: gr.SelectData) -> str:
    value = evt.value
    return str(value.get("text", "")) if isinstance(value, Mapping) else str(value or "")


def build_app(settings: Settings, *, bot: BriefBot | Any | None = None) -> gr.Blocks:
    """The page for these settings; pass `bot` (a `BriefBot` or a `BotPool`) to share one
    already warmed."""
    bot = bot or BriefBot(settings=settings)
    page = Page(settings, bot)
    accept = list(ALLOWED_SUFFIXES)
    limit = settings.web.web_concurrency

    with gr.Blocks(title="brief-bot", analytics_enabled=False, fill_width=True) as demo:
        gr.HTML('<header class="bb-header"><h1>brief-bot</h1><p>Cited answers from the '
                'briefing documents. Click a citation such as [1] to see its passage.</p>'
                '</header>', elem_id="bb-header", padding=False)
        turns = gr.State([])
        asked = gr.State("")  # the question being answered (the box is already cleared)
        shown_facets = gr.State(None)  # the filter choices this visitor's page has
        uploads = gr.State(None)  # this visitor's last uploads, until they are indexed
        pending_turn = gr.Number(value=-1, visible=False, precision=0)
        pending_vote = gr.Textbox(value="", visible=False)
        answer_json = gr.JSON(visible=False)
        timer = gr.Timer(STATUS_POLL_SECONDS, active=False)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False, elem_id="bb-chat-row"):
                with gr.Column(scale=3, min_width=400, elem_id="bb-chat-col"):
                    # No choices in the page as built: they arrive with each visit (see
                    # Page.load_visit), so the page behind a login lists none of them.
                    with gr.Row(elem_id="bb-filters"):
                        forum = gr.Dropdown([], value=[], multiselect=True, label="Forum",
                                            allow_custom_value=True, elem_id="bb-forum")
                        doc_type = gr.Dropdown([], value=[], multiselect=True,
                                               label="Document type", allow_custom_value=True,
                                               elem_id="bb-type")
                        status = gr.Dropdown([], value=[], multiselect=True, label="Status",
                                             allow_custom_value=True, elem_id="bb-status")
                        agreed = gr.Checkbox(label="Agreed messages only", value=False,
                                             elem_id="bb-agreed")
                    filters_on = gr.Markdown(filter_note(None, None, None, False),
                                             elem_id="bb-filter-note")
                    chatbot = gr.Chatbot(
                        elem_id="bb-chat", label="Conversation", show_label=False, height="auto",
                        autoscroll=False, sanitize_html=True, allow_tags=False,
                        latex_delimiters=[], render_markdown=True, line_breaks=True,
                        buttons=["copy"], feedback_options=("Like", "Dislike"),
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
                    with gr.Row(elem_id="bb-ask-row", equal_height=True):
                        msg = gr.Textbox(label="Your question", show_label=False, scale=6,
                                         min_width=200, autofocus=True, lines=1, max_lines=4,
                                         placeholder="Ask about the briefings, then press "
                                                     "Enter",
                                         elem_id="bb-question", max_length=2000)
                        ask_btn = gr.Button("Ask", variant="primary", scale=0, min_width=80,
                                            size="md", elem_id="bb-ask")
                        new_btn = gr.Button("New conversation", scale=0, min_width=170,
                                            size="md", elem_id="bb-new")
                with gr.Column(scale=2, min_width=300, elem_id="bb-sources-col"):
                    sources = gr.HTML(render.sources_html([], None), elem_id="bb-sources",
                                      apply_default_css=True, padding=False)
            with gr.Tab("Documents", id="documents") as docs_tab, gr.Row():
                with gr.Column(scale=2):
                    gr.Markdown("### Index status")
                    status_box = gr.HTML(elem_id="bb-index-status")
                    refresh_btn = gr.Button("Refresh", size="sm", elem_id="bb-refresh")
                    gr.Markdown("### Indexed documents")
                    docs_box = gr.HTML(elem_id="bb-docs")
                with gr.Column(scale=1):
                    gr.Markdown(
                        f"### Add documents\nAccepted: {' '.join(accept)}; up to "
                        f"{settings.web.upload_max_mb:g} MB each. Files are saved in the corpus "
                        "folder under `uploads/` and indexed in the background. Uploads are "
                        "drafts until an editor approves them.")
                    upload_files = gr.File(file_count="multiple", file_types=accept,
                                           type="filepath", label="Files to add",
                                           elem_id="bb-upload")
                    replace = gr.Checkbox(label="Replace files of the same name",
                                          value=False, elem_id="bb-replace")
                    upload_btn = gr.Button("Upload and index", variant="primary",
                                           elem_id="bb-upload-btn")
                    upload_note = gr.Markdown(elem_id="bb-upload-note")
                    with gr.Group(visible=False, elem_id="bb-approve") as approve_box:
                        gr.Markdown("### Approve an upload\nEditors only: give an uploaded "
                                    "document its status.")
                        approve_path = gr.Dropdown([], label="Upload", elem_id="bb-approve-path",
                                                   allow_custom_value=True)
                        approve_status = gr.Dropdown(list(APPROVABLE), value="agreed",
                                                     label="Status", elem_id="bb-approve-status")
                        approve_btn = gr.Button("Set status", elem_id="bb-approve-btn")
        # Only for programs (gradio_client): one call from question to answer.
        ask_api = gr.Button(visible=False)

        filter_controls = [forum, doc_type, status, agreed]
        ask_inputs = [msg, *filter_controls, turns]
        flush_io = ([turns, pending_turn, pending_vote],
                    [pending_turn, pending_vote, fb_box, fb_note])
        ask_api.click(page.ask, ask_inputs, [msg, chatbot, sources, turns, answer_json],
                      api_name="ask", concurrency_id="ask", concurrency_limit=limit)
        # In the page: the question shows at once and the chat shows it is working while the
        # answer is composed (Gradio's pending dots on the chat).
        in_page = ([asked, *filter_controls, turns], [chatbot, sources, turns, answer_json])
        for trigger in (msg.submit, ask_btn.click):
            trigger(page.flush, *flush_io, api_visibility="private", queue=False)
            trigger(page.echo, [msg, turns], [msg, chatbot, asked], api_visibility="private",
                    queue=False).then(
                page.ask_in_page, *in_page, api_visibility="private", concurrency_id="ask",
                concurrency_limit=limit, show_progress="minimal")
        chatbot.example_select(_example_text, None, msg, api_visibility="private",
                               queue=False).then(
            page.echo, [msg, turns], [msg, chatbot, asked], api_visibility="private",
            queue=False).then(
            page.ask_in_page, *in_page, api_visibility="private", concurrency_id="ask",
            concurrency_limit=limit, show_progress="minimal")
        for control in filter_controls:
            control.change(filter_note, filter_controls, filters_on,
                           api_visibility="private", queue=False, show_progress="hidden")
        clear_outputs = [chatbot, sources, turns, answer_json, pending_turn, pending_vote,
                         fb_box, fb_note, *filter_controls, filters_on]
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

        demo.load(page.load_visit, None,
                  [forum, doc_type, status, shown_facets, approve_box, approve_path],
                  api_visibility="private", queue=False, show_progress="hidden")
        refresh_inputs = [forum, doc_type, status, shown_facets, uploads]
        refresh_outputs = [status_box, docs_box, forum, doc_type, status, timer, shown_facets,
                           upload_note, approve_path]
        for trigger in (refresh_btn.click, docs_tab.select, timer.tick):
            trigger(page.refresh, refresh_inputs, refresh_outputs, api_visibility="private",
                    show_progress="hidden", concurrency_id="refresh", concurrency_limit=1)
        upload_btn.click(page.upload, [upload_files, replace],
                         [upload_note, upload_files, timer, uploads],
                         api_name="upload", concurrency_id="upload", concurrency_limit=1
                         ).then(page.refresh, refresh_inputs, refresh_outputs,
                                api_visibility="private")
        approve_btn.click(page.approve, [approve_path, approve_status],
                          [upload_note, timer, uploads], api_name="approve",
                          concurrency_id="upload", concurrency_limit=1
                          ).then(page.refresh, refresh_inputs, refresh_outputs,
                                 api_visibility="private")

        def status_api() -> dict[str, Any]:
            """Index status: generation, counts, built_at, skipped files, the upload job."""
            return page.status_data()

        gr.api(status_api, api_name="status")

    demo.brief_bot_page = page  # type: ignore[attr-defined]  # for tests and the launcher
    return demo


def _tune_threads(threads: int) -> None:
    """One torch thread per question: the page answers several questions at once, and on a
    small machine two threads per question only fight each other (and other processes).

    Torch is only loaded when there is no ONNX export yet; the variable reaches it (and the
    answering processes) without importing it here."""
    if threads > 0:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))


def theme() -> gr.themes.Base:
    """Gradio's default look, with text and buttons dark enough to read (WCAG AA contrast:
    the default's grey notes and white-on-orange buttons fall short)."""
    return gr.themes.Default(font=THEME_FONTS[0], font_mono=THEME_FONTS[1]).set(
        body_text_color_subdued="*neutral_600", body_text_color_subdued_dark="*neutral_300",
        button_primary_background_fill="*primary_700",
        button_primary_background_fill_hover="*primary_800",
        button_primary_text_color="white", link_text_color="*primary_800",
        link_text_color_hover="*primary_900", link_text_color_visited="*primary_800",
        link_text_color_active="*primary_900")


def _gradio_environment() -> None:
    """No analytics, and Gradio's summary of past events (for its API page's timings; local, not
    telemetry) rebuilt every 1,000 events over the last 1,000, not after each event over ever
    more: a cost that grew with the server's age."""
    go_offline()
    os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")


def launch(settings: Settings) -> None:
    """Warm the bot, then serve the page on the web settings' host and port (blocks)."""
    _gradio_environment()
    web = settings.web
    accounts = parse_auth(web.auth)
    auth = [(a.user, a.password) for a in accounts] if accounts else None
    if web.host not in ("127.0.0.1", "localhost", "::1") and not auth:
        log.warning("serving on %s without a login; set BRIEF_BOT_AUTH to require one",
                    web.host)
    _tune_threads(web.torch_threads)
    bot: Any
    if web.web_workers > 0:
        from brief_bot.pool import BotPool

        bot = BotPool(settings=settings, workers=web.web_workers)
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
    middleware = []
    if auth:
        throttle = LoginThrottle(max_failures=web.login_max_failures,
                                 max_per_address=web.login_max_failures_per_address,
                                 lockout_seconds=web.login_lockout_seconds)
        middleware.append(Middleware(LoginGuard, throttle=throttle))
    try:
        demo.launch(
            server_name=web.host, server_port=web.port, share=False, auth=auth,
            auth_message="brief-bot: sign in with the user name and password you were given.",
            max_file_size=int(web.upload_max_mb * 1024 * 1024), ssr_mode=False,
            pwa=False, mcp_server=False, enable_monitoring=False, run_history=False,
            show_error=True, footer_links=["api", "settings"], inbrowser=False, quiet=False,
            theme=theme(),
            css=CSS, head=HEAD, app_kwargs={"middleware": middleware})
    finally:
        if hasattr(bot, "close"):
            bot.close()

