"""The chat page's handlers: what each click and question does, through `BriefBot.ask` (or
its pool), the index stage and the feedback store. The layout that wires them is `ui.app`."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

import gradio as gr

from brief_bot import index as index_stage
from brief_bot.bot import BriefBot, BriefBotError
from brief_bot.config import Settings
from brief_bot.feedback import FeedbackStore

from . import render
from .uploads import IndexJob, UploadRefused, save_upload

AGREED_MESSAGES = {"doc_type": "messages", "status": "agreed"}
STATUSES = ("agreed", "draft", "superseded")
FACETS = ("forum", "doc_type", "status")


def build_filters(forum: Any = None, doc_type: Any = None, status: Any = None,
                  agreed_only: bool = False) -> dict[str, str | list[str]]:
    """The `filters` argument of `BriefBot.ask` from the page's controls (empty means none)."""
    filters: dict[str, str | list[str]] = {}
    for key, value in (("forum", forum), ("doc_type", doc_type), ("status", status)):
        values = [value] if isinstance(value, str) else list(value or [])
        values = [str(v).strip() for v in values if v is not None and str(v).strip()]
        if values:
            filters[key] = values[0] if len(values) == 1 else values
    if agreed_only:
        filters.update(AGREED_MESSAGES)
    return filters


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


class Page:
    """The page's handlers, bound to one bot, one feedback store and one index job."""

    def __init__(self, settings: Settings, bot: BriefBot | Any) -> None:
        self.settings = settings
        self.bot = bot
        self.store = FeedbackStore(settings.feedback_db)
        self.job = IndexJob(settings, on_done=self._after_update)

    def _after_update(self) -> None:
        # Open the new generation now rather than inside the next user's question.
        with contextlib.suppress(BriefBotError):
            self.bot.ask("index warm-up")

    # --- chat ---------------------------------------------------------------------------------

    def ask(self, message: str, forum: Any, doc_type: Any, status: Any, agreed_only: bool,
            turns: list[dict[str, Any]] | None):
        """One question in this session's conversation; earlier turns are its history."""
        turns = list(turns or [])
        question = (message or "").strip()
        stale = self.settings.stale_before
        if not question:
            return "", chat_messages(turns), render.sources_html(turns, stale), turns, {}
        filters = build_filters(forum, doc_type, status, agreed_only)
        try:
            answer = self.bot.ask(question, plain_history(turns), filters or None)
        except BriefBotError as exc:
            raise gr.Error(str(exc)) from None
        turn = len(turns)
        cited = {c.chunk_id for c in answer.citations}
        turns.append({
            "question": question, "answer": answer.text, "abstained": answer.abstained,
            "citations": [{**c.to_dict(), "chunk_id": c.chunk_id} for c in answer.citations],
            "passages": [p.to_dict() for p in answer.passages if p.chunk_id in cited],
            "sources": list(dict.fromkeys(c.source for c in answer.citations)),
            "question_md": render.question_markdown(question),
            "answer_md": render.answer_markdown(answer.text, turn,
                                                (c.n for c in answer.citations)),
        })
        data = {**answer.to_dict(), "filters": filters, "turn": turn}
        return "", chat_messages(turns), render.sources_html(turns, stale), turns, data

    def clear(self):
        return [], render.sources_html([], None), [], {}, -1, "", gr.update(visible=False), ""

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
        user = getattr(request, "username", None) or ""
        return self.store.add(vote=value, question=t["question"], answer=t["answer"],
                              sources=t["sources"], channel="web", user=user,
                              comment=(comment or "")[:4000])

    # --- documents ----------------------------------------------------------------------------

    def facets(self, docs: Sequence[Mapping[str, Any]] | None = None) -> dict[str, list[str]]:
        """Filter choices from the indexed documents' metadata."""
        if docs is None:
            docs = index_stage.documents(self.settings)
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

    def load_facets(self):
        """On each visit: filter choices from the index as it is now (uploads add forums)."""
        facets = self.facets()
        return (*(gr.update(choices=facets[k], value=[]) for k in FACETS), facets)

    def status_data(self) -> dict[str, Any]:
        try:
            info: dict[str, Any] | None = index_stage.status(self.settings)
            error = None
            # A "path" key makes gradio_client treat the dict as a file to download.
            info = {("generation_path" if k == "path" else k): v for k, v in info.items()}
        except index_stage.IndexStateError as exc:
            info, error = None, str(exc)
        return {"status": info, "error": error, "job": dict(self.job.state),
                "documents": index_stage.documents(self.settings)}

    def refresh(self, forum: Any, doc_type: Any, status: Any,
                shown: dict[str, list[str]] | None):
        """Index status and documents; new filter choices only when the index brought some.

        A filter's choices are re-sent only when they changed, and then with the filter's own
        value: re-sending choices on every poll let the page's dropdown pick its first choice
        (status "agreed") by itself now and then, silently filtering the next answers."""
        data = self.status_data()
        facets = self.facets(data["documents"])
        stale = self.settings.stale_before
        values = dict(zip(FACETS, (forum, doc_type, status), strict=True))
        updates = [gr.update(choices=facets[k], value=values[k] or [])
                   if shown is None or shown.get(k) != facets[k] else gr.update()
                   for k in FACETS]
        return (render.status_html(data["status"], data["job"], data["error"]),
                render.documents_html(data["documents"], stale), *updates,
                gr.Timer(active=self.job.running), facets)

    def upload(self, files: Any):
        paths = [files] if isinstance(files, str | os.PathLike) else list(files or [])
        if not paths:
            return "Choose a file first.", None, gr.Timer(active=self.job.running)
        saved, refused = [], []
        for path in paths:
            try:
                rel, replaced = save_upload(self.settings, path)
            except UploadRefused as exc:
                refused.append(str(exc))
                continue
            saved.append(f"`{rel}`" + (" (replaced)" if replaced else ""))  # a safe name
        lines = []
        if saved:
            self.job.request()
            lines.append(f"Added {', '.join(saved)}; indexing in the background. The chat keeps "
                         "answering meanwhile; new answers use the document once the status "
                         "below shows the new generation.")
        lines += [f"Refused: {render.safe_markdown(r)}" for r in refused]
        return "\n\n".join(lines), None, gr.Timer(active=self.job.running)
