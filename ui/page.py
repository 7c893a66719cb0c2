"""The chat page's handlers: what each click and question does, through `BriefBot.ask` (or
its pool), the index stage and the feedback store. The layout that wires them is `ui.app`."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any

import gradio as gr

from brief_bot import index as index_stage
from brief_bot.bot import BriefBot, BriefBotError
from brief_bot.config import Settings
from brief_bot.feedback import FeedbackStore
from brief_bot.types import FilterError, Filters

from . import render
from .auth import editors, parse_auth
from .uploads import IndexJob, UploadRefused, approve, list_uploads, save_upload

log = logging.getLogger("brief_bot.web")

AGREED_MESSAGES = {"doc_type": "messages", "status": "agreed"}
STATUSES = ("agreed", "draft", "superseded")
FACETS = ("forum", "doc_type", "status")
_FACET_LABELS = {"forum": "forum", "doc_type": "document type", "status": "status"}


def _values(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else list(value or [])
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def build_filters(forum: Any = None, doc_type: Any = None, status: Any = None,
                  agreed_only: bool = False) -> Filters:
    """The page's controls as one `Filters` (empty means none); raises `FilterError` for an
    unknown document type or status typed into a box."""
    wanted: dict[str, list[str]] = {}
    for key, value in (("forum", forum), ("doc_type", doc_type), ("status", status)):
        if _values(value):
            wanted[key] = _values(value)
    if agreed_only:
        wanted.update({k: [v] for k, v in AGREED_MESSAGES.items()})
    return Filters.parse(wanted)


def filter_note(forum: Any, doc_type: Any, status: Any, agreed_only: bool) -> str:
    """A plain line saying which filters are on, shown above the conversation."""
    parts = [f"{_FACET_LABELS[key]} {', '.join(render.safe_markdown(v) for v in _values(value))}"
             for key, value in (("forum", forum), ("doc_type", doc_type), ("status", status))
             if _values(value)]
    if agreed_only:
        parts.append("agreed messages only")
    if not parts:
        return "No filters: answers search all the documents."
    return (f"**Filters on:** {'; '.join(parts)} (only matching documents are searched; "
            "**New conversation** clears them).")


def _messages(turns: Sequence[Mapping[str, Any]], question: str,
              answer: str) -> list[dict[str, str]]:
    return [{"role": role, "content": t[key]} for t in turns
            for role, key in (("user", question), ("assistant", answer))]


def plain_history(turns: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Earlier turns as {"role", "content": str} messages for `BriefBot.ask`."""
    return _messages(turns, "question", "answer")


def chat_messages(turns: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The conversation for the Chatbot component (already escaped and linked)."""
    return _messages(turns, "question_md", "answer_md")


def _vote(value: Any) -> int | None:
    text = str(value).strip().lower()
    if text in ("up", "1", "+1", "like", "true", "👍"):
        return 1
    if text in ("down", "-1", "dislike", "false", "👎"):
        return -1
    return None


def _user(request: gr.Request | None) -> str:
    return str(getattr(request, "username", None) or "")


class Page:
    """The page's handlers, bound to one bot, one feedback store and one index job."""

    def __init__(self, settings: Settings, bot: BriefBot | Any) -> None:
        self.web = settings.web
        self.indexing = settings.indexing
        self.bot = bot
        self.store = FeedbackStore(self.web.feedback_db)
        self.job = IndexJob(self.indexing, on_done=self._after_update)
        self.editors = editors(parse_auth(self.web.auth))

    def _after_update(self) -> None:
        # Open the new generation now rather than inside the next user's question.
        with contextlib.suppress(BriefBotError):
            self.bot.ask("index warm-up")

    def is_editor(self, request: gr.Request | None) -> bool:
        return bool(self.editors) and _user(request) in self.editors

    # --- chat ---------------------------------------------------------------------------------

    def answer(self, question: str, forum: Any, doc_type: Any, status: Any, agreed_only: bool,
               turns: list[dict[str, Any]] | None):
        """One question in this session's conversation; earlier turns are its history.
        Returns (chat, sources, turns, data); raises FilterError or BriefBotError."""
        turns = list(turns or [])
        question = (question or "").strip()
        stale = self.web.stale_before
        if not question:
            return chat_messages(turns), render.sources_html(turns, stale), turns, {}
        filters = build_filters(forum, doc_type, status, agreed_only)
        answer = self.bot.ask(question, plain_history(turns), filters or None)
        turn = len(turns)
        cited = {c.chunk_id for c in answer.citations}
        lines = render.cited_lines(answer.text)
        turns.append({
            "question": question, "answer": answer.text, "abstained": answer.abstained,
            # Each citation's quote, and every sentence the answer took from its passage, are
            # marked in the panel.
            "citations": [{**c.to_dict(), "quotes": [c.quote, *lines.get(c.n, [])]}
                          for c in answer.citations],
            "passages": [p.to_dict() for p in answer.passages if p.chunk_id in cited],
            "sources": list(dict.fromkeys(c.source for c in answer.citations)),
            "question_md": render.question_markdown(question),
            "answer_md": render.answer_markdown(answer.text, turn,
                                                {c.n: c.title for c in answer.citations}),
        })
        turns[-1]["sources_html"] = render.turn_sources(turn, turns[-1], stale)
        data = {**answer.to_dict(), "filters": filters.to_dict(), "turn": turn}
        return chat_messages(turns), render.sources_html(turns, stale), turns, data

    def ask(self, message: str, forum: Any, doc_type: Any, status: Any, agreed_only: bool,
            turns: list[dict[str, Any]] | None):
        """The /ask API: (cleared question box, chat, sources, data); errors as gr.Error."""
        try:
            return "", *self.answer(message, forum, doc_type, status, agreed_only, turns)
        except (FilterError, BriefBotError) as exc:
            raise gr.Error(str(exc), title="Cannot ask that") from None

    def echo(self, message: str, turns: list[dict[str, Any]] | None):
        """First step in the page: the question shows at once (the chat then shows it is
        working until the answer comes) and the box is free for the next one."""
        question = (message or "").strip()
        if not question:
            return gr.update(), gr.update(), ""
        pending = [*chat_messages(turns or []),
                   {"role": "user", "content": render.question_markdown(question)}]
        return "", pending, question

    def ask_in_page(self, question: str, forum: Any, doc_type: Any, status: Any,
                    agreed_only: bool, turns: list[dict[str, Any]] | None):
        """Second step in the page: the answer, or the reason there is none, in the chat."""
        if not (question or "").strip():
            return gr.update(), gr.update(), turns or [], gr.update()
        try:
            return self.answer(question, forum, doc_type, status, agreed_only, turns)
        except (FilterError, BriefBotError) as exc:
            turns = list(turns or [])
            chat = [*chat_messages(turns),
                    {"role": "user", "content": render.question_markdown(question)},
                    {"role": "assistant",
                     "content": f"**Not asked:** {render.safe_markdown(str(exc))}"}]
            return chat, gr.update(), turns, {"error": str(exc)}

    def clear(self):
        """New conversation: an empty chat and panel, and no filters left on."""
        empty = gr.update(value=[])
        return ([], render.sources_html([], None), [], {}, -1, "", gr.update(visible=False), "",
                empty, empty, empty, False, filter_note(None, None, None, False))

    # --- feedback -----------------------------------------------------------------------------

    def on_like(self, turns: list[dict[str, Any]] | None, pending_turn: float | None,
                pending_vote: str, request: gr.Request, evt: gr.LikeData):
        turns = turns or []
        index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        turn = int(index) // 2
        liked = evt.liked
        vote = "up" if liked is True or liked == "Like" else (
            "down" if liked is False or liked == "Dislike" else "")
        if not vote or turn >= len(turns):
            return -1, "", gr.update(visible=False), "", ""
        if pending_vote and pending_turn is not None and int(pending_turn) != turn:
            self._save(turns, pending_turn, pending_vote, "", request)  # earlier, uncommented
        thumb = "👍" if vote == "up" else "👎"
        label = (f"{thumb} on the answer to “{render.safe_markdown(turns[turn]['question'])}”. "
                 "Add a comment if you like, then press **Send feedback**.")
        return turn, vote, gr.update(visible=True), label, ""

    def flush(self, turns: list[dict[str, Any]] | None, pending_turn: float | None,
              pending_vote: str, request: gr.Request):
        """A thumb given but not sent is kept (without a comment) when the user moves on."""
        if pending_vote:
            self._save(turns or [], pending_turn, pending_vote, "", request)
        return -1, "", gr.update(visible=False), ""

    def send_feedback(self, turn: float | None, vote: str, comment: str,
                      turns: list[dict[str, Any]] | None, request: gr.Request):
        if _vote(vote) is None or turn is None or not 0 <= int(turn) < len(turns or []):
            raise gr.Error("Nothing to send: rate an answer with 👍 or 👎 first.")
        row = self._save(turns or [], turn, vote, comment, request)
        note = f"Thanks: your feedback is saved (#{row})."
        return -1, "", "", gr.update(visible=False), note

    def _save(self, turns: Sequence[Mapping[str, Any]], turn: float | None, vote: str,
              comment: str, request: gr.Request | None) -> int:
        value = _vote(vote)
        if value is None or turn is None or not 0 <= int(turn) < len(turns):
            return 0
        t = turns[int(turn)]
        return self.store.add(vote=value, question=t["question"], answer=t["answer"],
                              sources=t["sources"], channel="web", user=_user(request),
                              comment=(comment or "")[:4000])

    # --- documents ----------------------------------------------------------------------------

    def facets(self, docs: Sequence[Mapping[str, Any]] | None = None) -> dict[str, list[str]]:
        """Filter choices from the indexed documents' metadata."""
        if docs is None:
            docs = index_stage.documents(self.indexing)
        forums: set[str] = set()
        types: set[str] = set()
        statuses: set[str] = set(STATUSES)
        for d in docs:
            forum = d.get("forum") or []
            forums.update(map(str, forum if isinstance(forum, list) else [forum]))
            if d.get("doc_type"):
                types.add(str(d["doc_type"]))
            if d.get("status"):
                statuses.add(str(d["status"]))
        return {"forum": sorted(forums, key=str.lower), "doc_type": sorted(types),
                "status": sorted(statuses)}

    def load_visit(self, request: gr.Request):
        """On each visit: filter choices from the index as it is now (uploads add forums; the
        page itself is built without them, so nothing lists them before a sign-in), and the
        editor's tools for editors."""
        facets = self.facets()
        editor = self.is_editor(request)
        return (*(gr.update(choices=facets[k], value=[]) for k in FACETS), facets,
                gr.update(visible=editor),
                gr.update(choices=list_uploads(self.web) if editor else []))

    def status_data(self) -> dict[str, Any]:
        try:
            info: dict[str, Any] | None = index_stage.status(self.indexing)
            error = None
            # A "path" key makes gradio_client treat the dict as a file to download.
            info = {("generation_path" if k == "path" else k): v for k, v in info.items()}
        except index_stage.IndexStateError as exc:
            info, error = None, str(exc)
        return {"status": info, "error": error, "job": dict(self.job.state),
                "documents": index_stage.documents(self.indexing)}

    def refresh(self, forum: Any, doc_type: Any, status: Any,
                shown: dict[str, list[str]] | None, uploads: dict[str, Any] | None,
                request: gr.Request):
        """Index status, documents and the upload note; new filter choices only when the index
        brought some.

        A filter's choices are re-sent only when they changed, and then with the filter's own
        value: re-sending choices on every poll let the page's dropdown pick its first choice
        (status "agreed") by itself now and then, silently filtering the next answers."""
        data = self.status_data()
        facets = self.facets(data["documents"])
        stale = self.web.stale_before
        values = dict(zip(FACETS, (forum, doc_type, status), strict=True))
        updates = [gr.update(choices=facets[k], value=values[k] or [])
                   if shown is None or shown.get(k) != facets[k] else gr.update()
                   for k in FACETS]
        note = self.upload_note(uploads, data) if uploads else gr.update()
        approvable = (gr.update(choices=list_uploads(self.web))
                      if self.is_editor(request) else gr.update())
        return (render.status_html(data["status"], data["job"], data["error"]),
                render.documents_html(data["documents"], stale), *updates,
                gr.Timer(active=self.job.running), facets, note, approvable)

    def upload_note(self, uploads: Mapping[str, Any], data: Mapping[str, Any]) -> str:
        """What became of this visitor's last uploads: indexing, indexed, or skipped and why."""
        job = data["job"]
        done = job.get("covers", 0) >= int(uploads.get("ticket", 0)) and job.get("state") in (
            "done", "failed")
        info = data["status"] or {}
        skipped = {s["source"]: s["reason"] for s in info.get("skipped") or []}
        changes = info.get("changes_since") or {}
        waiting = set(changes.get("new", [])) | set(changes.get("changed", []))
        indexed = {d["source"] for d in data["documents"]}
        lines = []
        for item in uploads.get("saved", []):
            path, label = item["path"], f"`{item['path']}`"
            if not done:
                lines.append(f"{label}: indexing in the background… The chat keeps answering "
                             "meanwhile.")
            elif path in skipped:
                lines.append(f"{label}: **not indexed**: "
                             f"{render.safe_markdown(skipped[path])}")
            elif path in indexed and path not in waiting:
                what = " as a draft" if item.get("status") == "draft" else ""
                lines.append(f"{label}: **indexed**{what} (generation "
                             f"`{render.safe_markdown(str(info.get('generation', '')))}`); "
                             "new questions can use it.")
            elif job.get("state") == "failed":
                lines.append(f"{label}: **not indexed**: the update failed: "
                             f"{render.safe_markdown(str(job.get('error', '')))}")
            else:
                lines.append(f"{label}: not indexed yet; see Index status.")
        return "\n\n".join([*uploads.get("notes", []), *lines])

    def upload(self, files: Any, replace: bool, request: gr.Request):
        """Save the files (drafts unless an editor uploads them) and start indexing them."""
        paths = [files] if isinstance(files, str | os.PathLike) else list(files or [])
        if not paths:
            return "Choose a file first.", None, gr.Timer(active=self.job.running), None
        editor = _user(request) if self.is_editor(request) else None
        saved, notes = [], []
        for path in paths:
            try:
                item = save_upload(self.web, path, replace=bool(replace), editor=editor)
            except UploadRefused as exc:
                notes.append(f"Refused: {render.safe_markdown(str(exc))}")
                continue
            log.info("upload %s by %r (%s)", item.path, _user(request) or "-",
                     item.status or "editor")
            saved.append({"path": item.path, "status": item.status})
            if item.beside:
                notes.append(f"`{item.beside}` is approved, so only an editor can replace it: "
                             f"this upload is a new draft beside it, `{item.path}`, which an "
                             "editor can approve in its place.")
            elif item.replaced:
                notes.append(f"`{item.path}` replaced the earlier upload of that name (kept "
                             f"as `{item.kept}`).")
            elif item.renamed:
                notes.append(f"`{item.requested}` was already taken, so this one is saved as "
                             f"`{item.path}` (tick “Replace files of the same name” to "
                             "replace instead).")
            if item.status == "draft":
                notes.append(f"`{item.path}` is a draft: an editor can approve it.")
        state = None
        if saved:
            state = {"saved": saved, "ticket": self.job.request(), "notes": notes}
            notes = [*notes, *(f"`{s['path']}`: indexing in the background… The chat keeps "
                               "answering meanwhile." for s in saved)]
        return "\n\n".join(notes), None, gr.Timer(active=self.job.running), state

    def approve(self, path: str, status: str, request: gr.Request):
        """An editor gives an upload a status; the index then updates in the background."""
        if not self.is_editor(request):
            raise gr.Error("Only an editor can approve uploads (a role in BRIEF_BOT_AUTH).")
        try:
            final = approve(self.web, str(path or ""), str(status or ""), editor=_user(request))
        except UploadRefused as exc:
            raise gr.Error(str(exc)) from None
        ticket = self.job.request()
        where = "" if final == path else f" in place of `{render.safe_markdown(final)}` (the " \
            "earlier version is kept in uploads/.versions/)"
        note = f"`{render.safe_markdown(path)}` is now **{status}**{where}."
        state = {"saved": [{"path": final, "status": status}], "ticket": ticket,
                 "notes": [note]}
        return (f"{note[:-1]}; indexing in the background…", gr.Timer(active=self.job.running),
                state)
