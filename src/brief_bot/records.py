"""Question and key files: one JSON object a line, each checked as it is read, so a wrong line
is named by its number instead of failing somewhere later."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def read_records(path: Path, needs: str) -> list[tuple[int, dict[str, Any]]]:
    """Each non-blank line of `path` as (line number, object); `ValueError` naming the line
    that is not JSON, not an object, or has no `needs` text."""
    found = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not str(item.get(needs, "")).strip():
            raise ValueError(f"{path}:{number}: needs a \"{needs}\"")
        found.append((number, item))
    return found


def are_facts(value: Any) -> bool:
    """Whether `value` is facts as the files write them: a list of lists of phrasings."""
    return isinstance(value, list) and all(
        isinstance(f, list) and f and all(isinstance(a, str) for a in f) for f in value)
