"""A document's metadata: YAML front matter (Markdown) or a sidecar `NAME.EXT.meta.yaml` (any
format), with defaults inferred where keys are missing; every value bounded and checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from ..types import AUDIENCES, DOC_TYPES, STATUSES
from .files import sidecar_path
from .parsed import Parsed

# Metadata values past these lengths are cut (and warned about): every chunk row carries them.
MAX_TITLE_CHARS = 300
MAX_FORUMS = 30
MAX_VALUE_CHARS = 100
MAX_SIDECAR_BYTES = 100_000


@dataclass(frozen=True)
class DocMeta:
    title: str
    doc_type: str = "background"
    forum: tuple[str, ...] = ()
    status: str = "unspecified"
    date: str = ""
    audience: str = "public"

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "doc_type": self.doc_type, "forum": list(self.forum),
                "status": self.status, "date": self.date, "audience": self.audience}


class _AliasRefused(yaml.YAMLError):
    pass


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without aliases: metadata never needs them, and a few hundred bytes of
    nested aliases (a "billion laughs") expand into gigabytes once read as values."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise _AliasRefused("YAML aliases (*name) are not accepted in metadata")
        return super().compose_node(parent, index)


def _scalar(value: Any, key: str, limit: int, warnings: list[str]) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dict | list | tuple | set):
        warnings.append(f"{key} is not a single value; ignored")
        return ""
    text = " ".join(str(value).split())
    if len(text) > limit:
        warnings.append(f"{key} longer than {limit} characters; cut")
        text = text[:limit].rstrip()
    return text


def _as_date(value: Any, warnings: list[str]) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return _scalar(value, "date", 40, warnings)


def _as_forums(value: Any, warnings: list[str]) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    items = value if isinstance(value, list) else str(value).split(",")
    if len(items) > MAX_FORUMS:
        warnings.append(f"more than {MAX_FORUMS} forums; the first {MAX_FORUMS} kept")
        items = items[:MAX_FORUMS]
    forums = (_scalar(item, "forum", MAX_VALUE_CHARS, warnings) for item in items)
    return tuple(dict.fromkeys(f for f in forums if f))


def _parse_yaml(raw: str, what: str, warnings: list[str]) -> dict[str, Any]:
    try:
        data = yaml.load(raw, Loader=_NoAliasLoader) if raw.strip() else {}  # noqa: S506
    except _AliasRefused:
        warnings.append(f"{what} uses YAML aliases (*name), which are not accepted; indexed "
                        "with default metadata")
        return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        warnings.append(f"broken {what}{where}; indexed with default metadata")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        warnings.append(f"{what} is not a mapping; indexed with default metadata")
        return {}
    return data


def _title_from(parsed: Parsed, source: str) -> str:
    if parsed.title:
        return parsed.title
    for section in parsed.sections:
        if section.heading:
            return section.heading[0]
    first = parsed.sections[0].text.split("\n", 1)[0].strip() if parsed.sections else ""
    if first and len(first.split()) <= 14 and not first.endswith((".", ",", ";")):
        return first.strip("#*_ ")
    stem = Path(source).stem
    return re.sub(r"[_-]+", " ", stem).strip().capitalize() or source


def build_meta(raw: dict[str, Any], parsed: Parsed, source: str,
               warnings: list[str]) -> DocMeta:
    title = (_scalar(raw.get("title"), "title", MAX_TITLE_CHARS, warnings)
             or _title_from(parsed, source)[:MAX_TITLE_CHARS])
    meta = DocMeta(
        title=title,
        doc_type=(_scalar(raw.get("doc_type"), "doc_type", MAX_VALUE_CHARS, warnings)
                  or "background").lower(),
        forum=_as_forums(raw.get("forum"), warnings),
        status=(_scalar(raw.get("status"), "status", MAX_VALUE_CHARS, warnings)
                or "unspecified").lower(),
        date=_as_date(raw.get("date"), warnings),
        audience=(_scalar(raw.get("audience"), "audience", MAX_VALUE_CHARS, warnings)
                  or "public").lower(),
    )
    for key, allowed in (("doc_type", DOC_TYPES), ("status", STATUSES),
                         ("audience", AUDIENCES)):
        if getattr(meta, key) not in allowed:
            warnings.append(f"unknown {key} {getattr(meta, key)!r} (expected one of "
                            f"{', '.join(sorted(allowed))})")
    if meta.audience not in AUDIENCES:
        # Unknown audience: treat as internal, the side that leaks nothing.
        meta = replace(meta, audience="internal")
    return meta


def read_metadata(parsed: Parsed, path: Path, source: str) -> tuple[DocMeta, list[str]]:
    """The document's metadata from its front matter and its sidecar (the sidecar wins), and
    the warnings about either."""
    warnings: list[str] = []
    raw: dict[str, Any] = {}
    if parsed.front_matter is not None:
        if parsed.front_matter == "":
            warnings.append("front matter has no closing '---'; indexed with default metadata")
        raw.update(_parse_yaml(parsed.front_matter, "front matter", warnings))
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
            warnings.append(f"sidecar {sidecar.name} is over {MAX_SIDECAR_BYTES // 1000} KB; "
                            "ignored")
        else:
            raw.update(_parse_yaml(sidecar.read_text("utf-8", errors="replace"),
                                   f"sidecar {sidecar.name}", warnings))
    return build_meta(raw, parsed, source, warnings), warnings
