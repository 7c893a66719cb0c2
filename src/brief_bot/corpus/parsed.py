"""What a format loader gives: text sections with their heading path and page, the limits a
file is held to, the one-line reason a file is skipped, and text decoding shared by the loaders.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass


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
    # What the loader left out of the file or could not read, one line each, naming where.
    warnings: tuple[str, ...] = ()


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
            return normalise_newlines(data.decode(encoding))
    if b"\x00" in data[:8192]:
        text = _utf16_without_bom(data) or _wide_unicode(data)
        if text is None:
            raise SkipFile("binary content (NUL bytes, and not text in UTF-16 or UTF-32) behind "
                           "a text extension")
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
    return normalise_newlines(text)


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


_WIDE = ["utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be"]


def _wide_unicode(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark whose NUL bytes are not all on one side:
    Chinese, Japanese or Korean text has none in most characters, only in its spaces, digits
    and line breaks. charset-normalizer tells it from binary data (which fits none cleanly)."""
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=_WIDE).best()
    if best is None or best.chaos > 0.1:
        return None
    text = str(best)
    return None if "\x00" in text else text


def normalise_newlines(text: str) -> str:
    # CRLF, lone CR and NEL (seen in Windows-1252 exports) all become \n.
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n")
