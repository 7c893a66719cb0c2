"""File formats to text sections.

Each loader turns the bytes of one file into `Section`s (a heading path, a page, text). Loaders
know nothing of metadata, chunking or the index; they raise `SkipFile` with a one-line reason a
person can act on when a file cannot be read.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class SkipFile(Exception):
    """The file is not indexed; the message is the reason, shown to the user as is."""


@dataclass(frozen=True)
class Limits:
    """Bounds no real briefing reaches: past them a file is skipped with the reason rather than
    parsed for minutes into gigabytes (a 73 KB DOCX can hold 10 MB of XML; an 8 MB PDF, 60,000
    pages). Time and memory per file are bounded too, by the process that parses
    (`sandbox.ParserProcess`)."""

    max_sections: int = 5_000  # PDF pages, headings, CSV row groups
    max_unpacked_mb: float = 100.0  # a DOCX's parts, uncompressed
    max_unpack_ratio: float = 50.0  # office XML packs 5-20 fold; a bomb, hundreds
    max_nesting: int = 512  # HTML elements inside one another


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Section:
    heading: tuple[str, ...]
    text: str
    page: int | None = None


@dataclass(frozen=True)
class Parsed:
    sections: tuple[Section, ...]
    title: str | None = None
    front_matter: str | None = None  # raw YAML, parsed by the corpus stage


# --- text decoding ------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def decode_text(data: bytes) -> str:
    """Decode by detection: BOM, then strict UTF-8, then charset-normalizer's best match.

    Refuses binary data (NUL bytes, many control characters) rather than producing mojibake.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _normalise_newlines(data.decode(encoding))
    if b"\x00" in data[:8192]:
        text = _utf16_without_bom(data)
        if text is None:
            raise SkipFile("binary content (NUL bytes) behind a text extension")
        data = text.encode("utf-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise SkipFile("undecodable text: no known encoding fits") from None
        # Single-byte Western text fits several code pages equally well (cp1250 reads "ï" as
        # "ď"). Where Windows-1252 (a superset of Latin-1's letters) measures as clean as the
        # winner, take it: it is by far the commonest in office documents.
        western = from_bytes(data, cp_isolation=["cp1252"]).best()
        if western is not None and western.chaos <= best.chaos + 0.01:
            best = western
        text = str(best)
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.01:
        raise SkipFile("binary content behind a text extension")
    return _normalise_newlines(text)


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a byte-order mark (some Windows tools do): Latin-script text
    then has a NUL in every other byte, all on one side. None if the data is not that."""
    sample = data[: min(len(data), 8192) // 2 * 2]
    half = len(sample) // 2
    if half < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.3 * half and even < 0.02 * half:
        encoding, low = "utf-16-le", sample[0::2]
    elif even > 0.3 * half and odd < 0.02 * half:
        encoding, low = "utf-16-be", sample[1::2]
    else:
        return None
    # Mostly printable ASCII on the other side, as in any Latin-script text.
    plain = sum(1 for b in low if 32 <= b < 127 or b in (9, 10, 13))
    if plain < 0.7 * half:
        return None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _normalise_newlines(text: str) -> str:
    # CRLF, lone CR and NEL (seen in Windows-1252 exports) all become \n.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n")


# --- Markdown and HTML --------------------------------------------------------------------

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
# "##Title" without a space is common in converted documents; require a capital then.
_HEADING = re.compile(r"^(#{1,6})(?:[ \t]+|(?=[A-Z]))(.+?)[ \t#]*$")
_HTMLISH = re.compile(r"<(p|div|br|table|span|a|h[1-6]|ul|ol|li|script|style|nav|img)\b", re.I)
_FENCE = re.compile(r"^\s*(```|~~~)")


def split_front_matter(text: str) -> tuple[str | None, str]:
    match = _FRONT.match(text)
    if not match:
        if text.startswith("---\n"):
            # An opening marker with no closing one: the whole file would vanish into
            # "metadata"; keep it as body and let the caller warn.
            return "", text[4:]
        return None, text
    return match.group(1), text[match.end() :]


def sections_from_markdown(body: str) -> list[Section]:
    """Heading-aware: each block of text knows the path of headings above it."""
    sections: list[Section] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    in_fence = False

    def flush() -> None:
        text = "\n".join(lines).strip()
        if text:
            sections.append(Section(tuple(h for _, h in path), text))
        lines.clear()

    for line in body.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            flush()
            level, heading = len(match.group(1)), _clean_heading(match.group(2))
            while path and path[-1][0] >= level:
                path.pop()
            if heading:
                path.append((level, heading))
        else:
            lines.append(line)
    flush()
    return sections


def _clean_heading(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`]+", "", text).strip()


_DROPPED = frozenset({"script", "style", "nav", "header", "footer", "aside", "noscript", "form",
                      "template", "svg", "iframe", "head"})
_BLOCKS = frozenset({"p", "div", "li", "tr", "table", "ul", "ol", "blockquote", "section",
                     "article", "pre"})
_HEADINGS = {f"h{level}": level for level in range(1, 7)}


def html_to_markdown(html: str, limits: Limits = DEFAULT_LIMITS) -> tuple[str, str | None]:
    """Drop what is not content (scripts, styles, navigation), keep headings as `#` lines.

    One pass over the tree with an explicit stack: linear in the size of the page however deep
    it nests (inserting separators into the tree, as this once did, walked every descendant on
    each insert: 77 s for 440 KB of nested `<div>`s), and no recursion to overflow.
    """
    from bs4 import BeautifulSoup, CData, NavigableString, Tag

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    out: list[str] = []
    stack: list[tuple[object, int, bool]] = [(soup, 0, False)]
    while stack:
        node, depth, leaving = stack.pop()
        if isinstance(node, NavigableString):
            if type(node) in (NavigableString, CData):  # not comments, doctypes, scripts
                out.append(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if leaving:
            out.append(" | " if name in ("td", "th") else "\n\n")
            continue
        if depth > limits.max_nesting:
            raise SkipFile(f"HTML nested more than {limits.max_nesting} elements deep")
        if name in _DROPPED:
            continue
        if name in _HEADINGS:
            text = node.get_text(" ", strip=True)
            if text:
                out.append(f"\n\n{'#' * _HEADINGS[name]} {text}\n\n")
            continue
        if name == "br":
            out.append("\n")
            continue
        if name in _BLOCKS:
            out.append("\n\n")
        if name in _BLOCKS or name in ("td", "th"):
            stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in reversed(node.contents))
    text = "".join(out)
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip(), title


def load_markdown(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    front, body = split_front_matter(decode_text(data))
    if _HTMLISH.search(body):
        body, _ = html_to_markdown(body, limits)
    return Parsed(tuple(sections_from_markdown(body)), front_matter=front)


def load_html(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    body, title = html_to_markdown(decode_text(data), limits)
    return Parsed(tuple(sections_from_markdown(body)), title=title)


def load_text(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    text = decode_text(data).strip()
    return Parsed((Section((), text),) if text else ())


# --- CSV ----------------------------------------------------------------------------------

CSV_ROWS_PER_SECTION = 25


def load_csv(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """Rows become readable lines (`column: value; ...`), so a row can be quoted and found."""
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        # Chiefly a field over the csv module's 131,072 characters: not a table of briefing
        # facts, and raising the limit for the whole process would only move the problem.
        raise SkipFile(f"malformed CSV ({exc})") from None
    if not rows:
        return Parsed(())
    header = [h.strip() or f"column {i + 1}" for i, h in enumerate(rows[0])]
    lines = []
    for row in rows[1:]:
        cells = [f"{header[i] if i < len(header) else f'column {i + 1}'}: {v.strip()}"
                 for i, v in enumerate(row) if v.strip()]
        if cells:
            lines.append("; ".join(cells) + ".")
    sections = [
        Section((), "\n".join(lines[i : i + CSV_ROWS_PER_SECTION]))
        for i in range(0, len(lines), CSV_ROWS_PER_SECTION)
    ]
    return Parsed(tuple(sections))


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
    sections = []
    for number, raw in enumerate(pages, start=1):
        text = rejoin_hyphenation(_normalise_newlines(raw)).strip()
        if text:
            sections.append(Section((), text, page=number))
    if not sections:
        raise SkipFile("PDF has no extractable text (empty or scanned)")
    return Parsed(tuple(sections), title=meta_title.strip() if meta_title else None)


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
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = _docx_paragraph_text(block).strip()
            if not text:
                continue
            level = _docx_heading_level(styles.get(block.style or "", ""))
            lines.append(f"\n{'#' * level} {text}\n" if level else text + "\n")
        elif tag == "tbl":
            lines.extend(_docx_table_lines(Table(block, document)))
    title = (document.core_properties.title or "").strip() or None
    return Parsed(tuple(sections_from_markdown("\n".join(lines))), title=title)


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


# --- dispatch -----------------------------------------------------------------------------

LOADERS: dict[str, Callable[[bytes, Limits], Parsed]] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_text,
    ".text": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".csv": load_csv,
    ".tsv": load_csv,
    ".pdf": load_pdf,
    ".docx": load_docx,
}

# Types we know to be binary: saying "unsupported" beats a confusing decode error.
BINARY_TYPES = {
    ".doc", ".xls", ".xlsx", ".ppt", ".pptx", ".odt", ".ods", ".rtf", ".zip", ".gz", ".tar",
    ".7z", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".mp3", ".mp4",
    ".wav", ".mov", ".exe", ".dll", ".so", ".bin", ".sqlite", ".db", ".pkl", ".npy", ".epub",
}


def load_bytes(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> Parsed:
    """Parse one file's bytes by its extension; any other text file is read as plain text."""
    suffix = Path(name).suffix.lower()
    if suffix in BINARY_TYPES:
        raise SkipFile(f"unsupported type ({suffix})")
    if not data.strip():
        raise SkipFile("empty file")
    loader = LOADERS.get(suffix)
    if loader is None:
        try:
            parsed = load_text(data, limits)
        except SkipFile:
            raise SkipFile(f"unsupported type ({suffix or 'no extension'}, not text)") from None
    else:
        parsed = loader(data, limits)
    if len(parsed.sections) > limits.max_sections:
        raise SkipFile(f"{len(parsed.sections):,} sections (limit {limits.max_sections:,})")
    return parsed
