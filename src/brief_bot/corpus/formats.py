"""File formats to text sections: one loader per extension, plain text and CSV here, Markdown
and HTML in `markup`, PDF and DOCX in `office`.

Each loader turns the bytes of one file into `Section`s (a heading path, a page, text). Loaders
know nothing of metadata, chunking or the index; they raise `SkipFile` with a one-line reason a
person can act on when a file cannot be read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from .markup import load_html, load_markdown
from .office import load_docx, load_pdf
from .parsed import DEFAULT_LIMITS, Limits, Parsed, Section, SkipFile, decode_text


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
