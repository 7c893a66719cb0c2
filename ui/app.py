"""The chat page: a Gradio door over `BriefBot.ask`, with sources, filters, feedback and a
documents tab.

    brief-bot serve                      # http://127.0.0.1:7860
    BRIEF_BOT_AUTH=alice:secret brief-bot serve --host 0.0.0.0

The page holds no retrieval logic: questions go to `BriefBot.ask(question, history, filters)`,
upkeep goes to `brief_bot.index.update/status/documents`, feedback to `FeedbackStore`.
Named API endpoints (for `gradio_client`): /ask, /pack, /feedback, /upload, /approve, /status.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from brief_bot.bot import BriefBot
from brief_bot.config import Settings
from brief_bot.offline import go_offline

from . import render
from .assets import CSS, HEAD, THEME_FONTS
from .auth import LoginGuard, LoginThrottle, parse_auth, trust_forwarded_for
from .pack import AUDIENCE_CHOICES, EMPTY_VIEW, PackTab, empty_panel
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


class _Controls(SimpleNamespace):
    """The page's components by name (one namespace for the chat tab, the documents tab and the
    hidden state, so the wiring reads like the layout)."""


def build_app(settings: Settings, *, bot: BriefBot | Any | None = None) -> gr.Blocks:
    """The page for these settings; pass `bot` (a `BriefBot` or a `BotPool`) to share one
    already warmed."""
    bot = bot or BriefBot(settings=settings)
    page = Page(settings, bot)
    with gr.Blocks(title="brief-bot", analytics_enabled=False, fill_width=True) as demo:
        gr.HTML('<header class="bb-header"><h1>brief-bot</h1><p>Cited answers from the '
                'briefing documents. Click a citation such as [1] to see its passage.</p>'
                '</header>', elem_id="bb-header", padding=False)
        c = _Controls()
        _hidden_state(c)
        with gr.Tabs():
            _chat_tab(c)
            _pack_tab(c)
            _documents_tab(c, settings.web.upload_max_mb)
        # Only for programs (gradio_client): one call from question to answer.
        c.ask_api = gr.Button(visible=False)
        _wire_chat(page, c, settings.web.web_concurrency)
        _wire_documents(page, c, demo)
        _wire_pack(PackTab(page=page), c, settings.web.web_concurrency)

        def status_api() -> dict[str, Any]:
            """Index status: generation, counts, built_at, skipped files, the upload job."""
            return page.status_data()

        gr.api(status_api, api_name="status")

    demo.brief_bot_page = page  # type: ignore[attr-defined]  # for tests and the launcher
    return demo


def _hidden_state(c: _Controls) -> None:
    c.turns = gr.State([])
    c.asked = gr.State("")  # the question being answered (the box is already cleared)
    c.shown_facets = gr.State(None)  # the filter choices this visitor's page has
    c.uploads = gr.State(None)  # this visitor's last uploads, until they are indexed
    c.pending_turn = gr.Number(value=-1, visible=False, precision=0)
    c.pending_vote = gr.Textbox(value="", visible=False)
    c.answer_json = gr.JSON(visible=False)
    c.timer = gr.Timer(STATUS_POLL_SECONDS, active=False)


def _chat_tab(c: _Controls) -> None:
    with gr.Tab("Chat", id="chat"), gr.Row(equal_height=False, elem_id="bb-chat-row"):
        with gr.Column(scale=3, min_width=400, elem_id="bb-chat-col"):
            # No choices in the page as built: they arrive with each visit (see
            # Page.load_visit), so the page behind a login lists none of them.
            with gr.Row(elem_id="bb-filters"):
                c.forum = gr.Dropdown([], value=[], multiselect=True, label="Forum",
                                      allow_custom_value=True, elem_id="bb-forum")
                c.doc_type = gr.Dropdown([], value=[], multiselect=True, label="Document type",
                                         allow_custom_value=True, elem_id="bb-type")
                c.status = gr.Dropdown([], value=[], multiselect=True, label="Status",
                                       allow_custom_value=True, elem_id="bb-status")
                c.agreed = gr.Checkbox(label="Agreed messages only", value=False,
                                       elem_id="bb-agreed")
            c.filters_on = gr.Markdown(filter_note(None, None, None, False),
                                       elem_id="bb-filter-note")
            c.chatbot = gr.Chatbot(
                elem_id="bb-chat", label="Conversation", show_label=False, height="auto",
                autoscroll=False, sanitize_html=True, allow_tags=False, latex_delimiters=[],
                render_markdown=True, line_breaks=True, buttons=["copy"],
                feedback_options=("Like", "Dislike"),
                examples=[{"text": q} for q in EXAMPLE_QUESTIONS],
                placeholder="Ask about the ITU briefings, or start from an example below.")
            _feedback_box(c)
            with gr.Row(elem_id="bb-ask-row", equal_height=True):
                c.msg = gr.Textbox(label="Your question", show_label=False, scale=6,
                                   min_width=200, autofocus=True, lines=1, max_lines=4,
                                   placeholder="Ask about the briefings, then press Enter",
                                   elem_id="bb-question", max_length=2000)
                c.ask_btn = gr.Button("Ask", variant="primary", scale=0, min_width=80,
                                      size="md", elem_id="bb-ask")
                c.new_btn = gr.Button("New conversation", scale=0, min_width=170, size="md",
                                      elem_id="bb-new")
        with gr.Column(scale=2, min_width=300, elem_id="bb-sources-col"):
            c.sources = gr.HTML(render.sources_html([], None), elem_id="bb-sources",
                                apply_default_css=True, padding=False)


def _feedback_box(c: _Controls) -> None:
    with gr.Group(visible=False, elem_id="bb-feedback") as c.fb_box:
        c.fb_label = gr.Markdown(elem_id="bb-fb-label")
        c.fb_comment = gr.Textbox(label="Comment (optional)", lines=2, max_lines=6,
                                  elem_id="bb-fb-comment")
        c.fb_send = gr.Button("Send feedback", elem_id="bb-fb-send", size="sm")
    c.fb_note = gr.Markdown(elem_id="bb-fb-note")


def _pack_tab(c: _Controls) -> None:
    """Pick or type a forum, build its pack, read it beside its sources, download it."""
    with gr.Tab("Meeting pack", id="pack") as c.pack_tab, gr.Row(equal_height=False,
                                                                 elem_id="bb-pack-row"):
        with gr.Column(scale=3, min_width=400, elem_id="bb-pack-col"):
            with gr.Row(elem_id="bb-pack-controls", equal_height=True):
                # Choices arrive with the visit (like the chat's filters).
                c.pack_forum = gr.Dropdown([], value=None, label="Forum", scale=3,
                                           min_width=200, allow_custom_value=True,
                                           elem_id="bb-pack-forum")
                c.pack_audience = gr.Radio(AUDIENCE_CHOICES, value="internal", scale=2,
                                           label="Documents (public only: to share with "
                                           "partners)", elem_id="bb-pack-audience")
                c.pack_btn = gr.Button("Build pack", variant="primary", scale=1, min_width=120,
                                       elem_id="bb-pack-build")
            c.pack_note = gr.Markdown(elem_id="bb-pack-note")
            with gr.Row(elem_id="bb-pack-files"):
                c.pack_docx = gr.DownloadButton("Download DOCX", visible=False, size="sm",
                                                elem_id="bb-pack-docx")
                c.pack_md = gr.DownloadButton("Download Markdown", visible=False, size="sm",
                                              elem_id="bb-pack-md")
            c.pack_view = gr.Markdown(EMPTY_VIEW, elem_id="bb-pack-view", sanitize_html=True,
                                      latex_delimiters=[], line_breaks=False)
        with gr.Column(scale=2, min_width=300, elem_id="bb-pack-sources-col"):
            c.pack_sources = gr.HTML(empty_panel(), elem_id="bb-pack-sources",
                                     apply_default_css=True, padding=False)
        c.pack_data = gr.JSON(visible=False)


def _documents_tab(c: _Controls, upload_max_mb: float) -> None:
    accept = list(ALLOWED_SUFFIXES)
    with gr.Tab("Documents", id="documents") as c.docs_tab, gr.Row():
        with gr.Column(scale=2):
            gr.Markdown("### Index status")
            c.status_box = gr.HTML(elem_id="bb-index-status")
            c.refresh_btn = gr.Button("Refresh", size="sm", elem_id="bb-refresh")
            gr.Markdown("### Indexed documents")
            c.docs_box = gr.HTML(elem_id="bb-docs")
        with gr.Column(scale=1):
            gr.Markdown(
                f"### Add documents\nAccepted: {' '.join(accept)}; up to "
                f"{upload_max_mb:g} MB each. Files are saved in the corpus "
                "folder under `uploads/` and indexed in the background. Uploads are "
                "drafts until an editor approves them.")
            c.upload_files = gr.File(file_count="multiple", file_types=accept,
                                     type="filepath", label="Files to add",
                                     elem_id="bb-upload")
            c.replace = gr.Checkbox(label="Replace files of the same name", value=False,
                                    elem_id="bb-replace")
            c.upload_btn = gr.Button("Upload and index", variant="primary",
                                     elem_id="bb-upload-btn")
            c.upload_note = gr.Markdown(elem_id="bb-upload-note")
            with gr.Group(visible=False, elem_id="bb-approve") as c.approve_box:
                gr.Markdown("### Approve an upload\nEditors only: give an uploaded "
                            "document its status.")
                c.approve_path = gr.Dropdown([], label="Upload", elem_id="bb-approve-path",
                                             allow_custom_value=True)
                c.approve_status = gr.Dropdown(list(APPROVABLE), value="agreed",
                                               label="Status", elem_id="bb-approve-status")
                c.approve_btn = gr.Button("Set status", elem_id="bb-approve-btn")


def _wire_chat(page: Page, c: _Controls, limit: int) -> None:
    """Asking (in the page and through the API), filters, a new conversation, feedback."""
    filter_controls = [c.forum, c.doc_type, c.status, c.agreed]
    ask_inputs = [c.msg, *filter_controls, c.turns]
    flush_io = ([c.turns, c.pending_turn, c.pending_vote],
                [c.pending_turn, c.pending_vote, c.fb_box, c.fb_note])
    c.ask_api.click(page.ask, ask_inputs, [c.msg, c.chatbot, c.sources, c.turns, c.answer_json],
                    api_name="ask", concurrency_id="ask", concurrency_limit=limit)
    # In the page: the question shows at once and the chat shows it is working while the
    # answer is composed (Gradio's pending dots on the chat).
    in_page = ([c.asked, *filter_controls, c.turns],
               [c.chatbot, c.sources, c.turns, c.answer_json])
    echo = ([c.msg, c.turns], [c.msg, c.chatbot, c.asked])
    for trigger in (c.msg.submit, c.ask_btn.click):
        trigger(page.flush, *flush_io, api_visibility="private", queue=False)
        trigger(page.echo, *echo, api_visibility="private", queue=False).then(
            page.ask_in_page, *in_page, api_visibility="private", concurrency_id="ask",
            concurrency_limit=limit, show_progress="minimal")
    c.chatbot.example_select(_example_text, None, c.msg, api_visibility="private",
                             queue=False).then(
        page.echo, *echo, api_visibility="private", queue=False).then(
        page.ask_in_page, *in_page, api_visibility="private", concurrency_id="ask",
        concurrency_limit=limit, show_progress="minimal")
    for control in filter_controls:
        control.change(filter_note, filter_controls, c.filters_on, api_visibility="private",
                       queue=False, show_progress="hidden")
    clear_outputs = [c.chatbot, c.sources, c.turns, c.answer_json, c.pending_turn,
                     c.pending_vote, c.fb_box, c.fb_note, *filter_controls, c.filters_on]
    for trigger in (c.new_btn.click, c.chatbot.clear):
        trigger(page.clear, None, clear_outputs, api_visibility="private", queue=False)
    c.chatbot.like(page.on_like, [c.turns, c.pending_turn, c.pending_vote],
                   [c.pending_turn, c.pending_vote, c.fb_box, c.fb_label, c.fb_comment],
                   api_visibility="private", queue=False)
    send = ([c.pending_turn, c.pending_vote, c.fb_comment, c.turns],
            [c.pending_turn, c.pending_vote, c.fb_comment, c.fb_box, c.fb_note])
    c.fb_send.click(page.send_feedback, *send, api_name="feedback", queue=False)
    c.fb_comment.submit(page.send_feedback, *send, api_visibility="private", queue=False)


def _wire_documents(page: Page, c: _Controls, demo: gr.Blocks) -> None:
    """Each visit's filter choices, the documents tab's refresh, uploads and approvals."""
    demo.load(page.load_visit, None,
              [c.forum, c.doc_type, c.status, c.shown_facets, c.approve_box, c.approve_path],
              api_visibility="private", queue=False, show_progress="hidden")
    refresh_inputs = [c.forum, c.doc_type, c.status, c.shown_facets, c.uploads]
    refresh_outputs = [c.status_box, c.docs_box, c.forum, c.doc_type, c.status, c.timer,
                       c.shown_facets, c.upload_note, c.approve_path]
    for trigger in (c.refresh_btn.click, c.docs_tab.select, c.timer.tick):
        trigger(page.refresh, refresh_inputs, refresh_outputs, api_visibility="private",
                show_progress="hidden", concurrency_id="refresh", concurrency_limit=1)
    c.upload_btn.click(page.upload, [c.upload_files, c.replace],
                       [c.upload_note, c.upload_files, c.timer, c.uploads],
                       api_name="upload", concurrency_id="upload", concurrency_limit=1
                       ).then(page.refresh, refresh_inputs, refresh_outputs,
                              api_visibility="private")
    c.approve_btn.click(page.approve, [c.approve_path, c.approve_status],
                        [c.upload_note, c.timer, c.uploads], api_name="approve",
                        concurrency_id="upload", concurrency_limit=1
                        ).then(page.refresh, refresh_inputs, refresh_outputs,
                               api_visibility="private")


def _wire_pack(tab: PackTab, c: _Controls, limit: int) -> None:
    """Building a pack (in the page, and as the /pack API); the forum box's choices."""
    outputs = [c.pack_view, c.pack_sources, c.pack_docx, c.pack_md, c.pack_note, c.pack_data]
    inputs = [c.pack_forum, c.pack_audience]
    c.pack_btn.click(tab.build, inputs, outputs, api_name="pack", concurrency_id="ask",
                     concurrency_limit=limit, show_progress="minimal")
    c.pack_tab.select(tab.forums, None, c.pack_forum, api_visibility="private", queue=False,
                      show_progress="hidden")


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
        middleware.append(Middleware(LoginGuard, throttle=throttle,
                                     accounts=frozenset(user for user, _ in auth)))
    trust_forwarded_for(web.forwarded_allow_ips)
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

