"""A pack as a Word document (python-docx): real Title, Heading, List Bullet and Quote styles,
and the sources as footnote-style lines at the end, so it opens cleanly in a word processor
and turns into PDF there, or with `soffice --headless --convert-to pdf pack.docx`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from .markdown import INTRO, SUMMARY_NOTE, audience_note, badges, by_document, where
from .model import Line, Pack, Source

_BOLD = re.compile(r"\*\*(.+?)\*\*")
SOURCE_STYLE = "Source Line"


def pack_docx(pack: Pack) -> bytes:
    """The pack as .docx bytes."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.0)
        section.top_margin = section.bottom_margin = Cm(1.8)
    _compact(doc)
    props = doc.core_properties
    props.title, props.author, props.subject = pack.title, "brief-bot", "Meeting pack"
    doc.add_heading(pack.title, level=0)
    if pack.declined:
        doc.add_paragraph(pack.notice)
        return _bytes(doc)
    _intro(doc, pack)
    if pack.summary:
        doc.add_heading("Summary", level=1)
        doc.add_paragraph().add_run(SUMMARY_NOTE).italic = True
        _text(doc.add_paragraph(), pack.summary)
    for number, section in enumerate(pack.sections, start=1):
        doc.add_heading(f"{number}. {section.title}", level=1)
        _lines(doc, section.lines)
    if pack.sources:
        doc.add_heading("Sources", level=1)
        _sources(doc, pack.sources)
    return _bytes(doc)


def _compact(doc) -> None:  # type: ignore[no-untyped-def]
    """Dense enough for one to three pages: 10 pt text, small gaps, messages in 9 pt."""
    from docx.shared import Cm, Pt

    styles = doc.styles
    styles["Normal"].font.size = Pt(10)
    styles["Normal"].paragraph_format.space_after = Pt(3)
    for name in ("List Bullet", "List Bullet 2"):
        styles[name].paragraph_format.space_after = Pt(1)
    quote = styles["Quote"]
    quote.font.size = Pt(9)
    quote.paragraph_format.space_before = Pt(0)
    quote.paragraph_format.space_after = Pt(2)
    quote.paragraph_format.left_indent = Cm(0.6)
    quote.paragraph_format.right_indent = Cm(0.3)
    heading = styles["Heading 1"]
    heading.font.size = Pt(13)
    heading.paragraph_format.space_before = Pt(9)
    heading.paragraph_format.space_after = Pt(3)
    styles["Title"].font.size = Pt(22)


def _bytes(doc) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _intro(doc, pack: Pack) -> None:  # type: ignore[no-untyped-def]
    intro = doc.add_paragraph()
    run = intro.add_run(f"{INTRO} {audience_note(pack)} Newest document: "
                        f"{pack.newest or 'unknown'}.")
    run.italic = True
    if pack.notice:
        doc.add_paragraph(pack.notice, style="Intense Quote")
    if pack.empty:
        note = doc.add_paragraph()
        note.add_run("Nothing in the documents for: ").bold = True
        note.add_run("; ".join(pack.empty) + ".")


def _text(paragraph, text: str) -> None:  # type: ignore[no-untyped-def]
    """Text with its **bold** spans as bold runs."""
    for i, part in enumerate(_BOLD.split(text)):
        if part:
            paragraph.add_run(part).bold = bool(i % 2)


def _cite(paragraph, n: int) -> None:  # type: ignore[no-untyped-def]
    from docx.shared import RGBColor

    run = paragraph.add_run(f" [{n}]")
    run.font.color.rgb = RGBColor(0x9A, 0x34, 0x12)


def _lines(doc, lines: Sequence[Line]) -> None:  # type: ignore[no-untyped-def]
    """Lines as paragraphs: one paragraph per run of sentences from one source, a bullet per
    item (indented under the one before for "sub"), a quote per message paragraph."""
    paragraph = None
    previous: Line | None = None
    for line in lines:
        if line.style == "para" and previous is not None and previous.style == "para" \
                and previous.n == line.n and paragraph is not None:
            paragraph.add_run(" ")
        else:
            style = {"item": "List Bullet", "sub": "List Bullet 2", "quote": "Quote"}.get(
                line.style, "Normal")
            paragraph = doc.add_paragraph(style=style)
        if line.style == "head":
            paragraph.add_run(line.text).bold = True
            if line.note:
                paragraph.add_run(f" ({line.note})").italic = True
        else:
            if line.label:
                paragraph.add_run(line.label).bold = True
                paragraph.add_run(" — ")
            _text(paragraph, line.text)
            if line.note:
                paragraph.add_run(" — ")
                paragraph.add_run(line.note).italic = True
        _cite(paragraph, line.n)
        previous = line


def _sources(doc, sources: Sequence[Source]) -> None:  # type: ignore[no-untyped-def]
    """Footnote-style lines in small type: each document (title, path, status, date, badges),
    then its numbered sections."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Cm, Pt

    if SOURCE_STYLE not in [s.name for s in doc.styles]:
        style = doc.styles.add_style(SOURCE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.font.size = Pt(8)
        style.paragraph_format.left_indent = Cm(0.5)
        style.paragraph_format.first_line_indent = Cm(-0.5)
        style.paragraph_format.space_after = Pt(2)
    for group in by_document(sources):
        first = group[0]
        paragraph = doc.add_paragraph(style=SOURCE_STYLE)
        paragraph.add_run(first.title).bold = True
        paragraph.add_run(" · ")
        paragraph.add_run(first.source).font.name = "Courier New"
        for badge in badges(first):
            paragraph.add_run(f" · {badge}")
        paragraph.add_run("\n")
        for i, source in enumerate(group):
            paragraph.add_run(("" if i == 0 else " · ") + f"[{source.n}] ").bold = True
            paragraph.add_run(where(source)).italic = True
