"""PDF (a section a page) and DOCX (headings from paragraph styles, tables as readable lines)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

from .markup import sections_from_markdown
from .parsed import DEFAULT_LIMITS, Limits, Parsed, Section, SkipFile, normalise_newlines

# --- PDF ----------------------------------------------------------------------------------

_HYPHEN_BREAK = re.compile(r"(\w)-[ \t]*\n[ \t]*([a-z])")


def rejoin_hyphenation(text: str) -> str:
    """`regu-\\nlations` -> `regulations`; a hyphen before a capital is kept as a real one."""
    return _HYPHEN_BREAK.sub(r"\1\2", text)


def load_pdf(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs harmless structure warnings on many real-world PDFs.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception:  # noqa: BLE001 - pypdf raises several types here
                opened = 0
            if not opened:
                raise SkipFile("encrypted PDF (needs a password)")
        if len(reader.pages) > limits.max_sections:
            raise SkipFile(f"PDF has {len(reader.pages):,} pages (limit {limits.max_sections:,})")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or None
    except SkipFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise SkipFile(f"corrupt PDF ({type(exc).__name__}: {str(exc)[:80]})") from None
    except Exception as exc:  # noqa: BLE001 - a damaged PDF can fail anywhere inside pypdf
        raise SkipFile(f"corrupt PDF ({type(exc).__name__})") from None
    sections, blank = [], []
    for number, raw in enumerate(pages, start=1):
        text = rejoin_hyphenation(normalise_newlines(raw)).strip()
        if text:
            sections.append(Section((), text, page=number))
        else:
            blank.append(number)
    if not sections:
        raise SkipFile("PDF has no extractable text (empty or scanned)")
    warnings = []
    if blank:
        shown = ", ".join(map(str, blank[:10])) + (" ..." if len(blank) > 10 else "")
        warnings.append(f"no text could be read on {len(blank)} of {len(pages)} pages "
                        f"(page {shown}: blank, scanned or images?)")
    return Parsed(tuple(sections), title=meta_title.strip() if meta_title else None,
                  warnings=tuple(warnings))


# --- DOCX ---------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_RUN_TEXT = {f"{_W}t": None, f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n"}


def _docx_paragraph_text(block: object) -> str:
    """A paragraph's text as python-docx gives it (runs, also inside hyperlinks), read
    straight from the XML."""
    parts: list[str] = []
    for run in block.iter(f"{_W}r"):  # type: ignore[attr-defined]
        for child in run:
            if child.tag in _RUN_TEXT:
                parts.append(_RUN_TEXT[child.tag] or child.text or "")
    return "".join(parts)


def _check_zip(data: bytes, kind: str, limits: Limits) -> None:
    """Refuse a package that unpacks to far more than any document needs, before parsing it.
    The sizes are the archive's own declarations, which `zipfile` enforces when reading."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SkipFile(f"corrupt {kind} ({type(exc).__name__})") from None
    unpacked = sum(info.file_size for info in infos)
    packed = max(1, sum(info.compress_size for info in infos))
    if unpacked > limits.max_unpacked_mb * 1e6:
        raise SkipFile(f"{kind} unpacks to {unpacked / 1e6:,.0f} MB "
                       f"(limit {limits.max_unpacked_mb:g} MB)")
    if unpacked > 2e6 and unpacked / packed > limits.max_unpack_ratio:
        raise SkipFile(f"{kind} unpacks {unpacked / packed:,.0f}-fold ({len(data) / 1e3:,.0f} KB "
                       f"to {unpacked / 1e6:,.1f} MB; limit {limits.max_unpack_ratio:g}-fold): "
                       "a compression bomb, not a document")


def load_docx(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    import zipfile

    import docx
    from docx.table import Table

    _check_zip(data, "DOCX", limits)
    try:
        document = docx.Document(io.BytesIO(data))
        # Style names by id, read once: python-docx resolves a paragraph's style by scanning
        # every style in the document (about 1 ms a paragraph; 6 minutes for 10 MB of XML).
        styles = {style.style_id: style.name or "" for style in document.styles}
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SkipFile(f"corrupt DOCX ({type(exc).__name__})") from None
    except Exception as exc:  # noqa: BLE001 - python-docx raises many types on damage
        raise SkipFile(f"corrupt DOCX ({type(exc).__name__})") from None
    lines: list[str] = []
    for block in _docx_blocks(document.element.body):
        if block.tag == f"{_W}p":
            text = _docx_paragraph_text(block).strip()
            if not text:
                continue
            level = _docx_heading_level(styles.get(block.style or "", ""))
            lines.append(f"\n{'#' * level} {text}\n" if level else text + "\n")
        else:
            lines.extend(_docx_table_lines(Table(block, document)))
    notes, warnings = _docx_other_parts(document)
    if notes:
        lines.extend(["\n# Notes\n", *notes])
    title = (document.core_properties.title or "").strip() or None
    return Parsed(tuple(sections_from_markdown("\n".join(lines))), title=title,
                  warnings=tuple(warnings))


# Body-level wrappers whose children are paragraphs and tables like the body's own: content
# controls (a cover page, a table of contents, a form) and custom XML. Read through, not past.
_WRAPPERS = {f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"}


def _docx_blocks(body: object) -> Iterator[Any]:
    """The paragraphs and tables of the body, in order, also inside wrappers."""
    stack = list(reversed(list(body.iterchildren())))  # type: ignore[attr-defined]
    while stack:
        block = stack.pop()
        if block.tag in (f"{_W}p", f"{_W}tbl"):
            yield block
        elif block.tag in _WRAPPERS:
            stack.extend(reversed(list(block.iterchildren())))


def _docx_other_parts(document: Any) -> tuple[list[str], list[str]]:
    """Footnotes and endnotes as lines (text of the document), and a warning naming what is
    left out: the page headers and footers (furniture, mostly) if they hold words."""
    from docx.oxml import parse_xml

    notes: list[str] = []
    furniture = 0
    for part in document.part.package.iter_parts():
        name = str(part.partname).rsplit("/", 1)[-1]
        if name in ("footnotes.xml", "endnotes.xml"):
            for note in parse_xml(part.blob).iterchildren():
                if note.get(f"{_W}type") in (None, "normal"):
                    text = " ".join(_docx_paragraph_text(p).strip()
                                    for p in note.iter(f"{_W}p")).strip()
                    if text:
                        notes.append(text + "\n")
        elif re.fullmatch(r"(header|footer)\d*\.xml", name):
            root = parse_xml(part.blob)
            furniture += sum(len(_docx_paragraph_text(p).split()) for p in root.iter(f"{_W}p"))
    warnings = [f"left out the page headers and footers ({furniture} words)"] if furniture else []
    return notes, warnings


def _docx_heading_level(style: str) -> int:
    if style == "Title":
        return 1
    match = re.match(r"Heading (\d)", style)
    return min(int(match.group(1)), 6) if match else 0


def _docx_table_lines(table: object) -> list[str]:
    rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]  # type: ignore[attr-defined]
    if not rows:
        return []
    header, lines = rows[0], []
    for row in rows[1:]:
        cells = [f"{header[i] if i < len(header) and header[i] else f'column {i + 1}'}: {v}"
                 for i, v in enumerate(row) if v]
        if cells:
            lines.append("; ".join(cells) + ".\n")
    return lines
