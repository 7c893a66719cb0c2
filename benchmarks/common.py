"""Shared by the benchmarks: corpora made from ../shared (never committed), cached indexes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from brief_bot.offline import go_offline

go_offline()  # each benchmark is a program: offline from its start

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXTERNAL = SHARED / "external-corpus" / "docs"
CRANFIELD = SHARED / "external-corpus" / "benchmark" / "cranfield"
CACHE = ROOT / "benchmarks" / ".cache"
BIN = Path(sys.executable).parent / "brief-bot"


def cranfield_docs() -> dict[str, tuple[str, str]]:
    """doc id -> (title, text) from cran.all.1400."""
    docs: dict[str, tuple[str, str]] = {}
    raw = (CRANFIELD / "cran.all.1400").read_text("utf-8", errors="replace")
    for block in raw.split(".I ")[1:]:
        doc_id, _, rest = block.partition("\n")
        fields = dict(re.findall(r"\.([TABW])\n(.*?)(?=\n\.[TABW]\n|\Z)", rest, re.S))
        title = " ".join(fields.get("T", "").split())
        text = " ".join(fields.get("W", "").split())
        docs[doc_id.strip()] = (title, text)
    return docs


def cranfield_queries() -> list[str]:
    raw = (CRANFIELD / "cran.qry").read_text("utf-8", errors="replace")
    return [" ".join(block.partition(".W")[2].split()) for block in raw.split(".I ")[1:]]


def cranfield_qrels() -> dict[int, dict[str, int]]:
    """Query number (1-based, in file order) -> {doc id: gain}. Cleverdon's codes 1 (complete
    answer) .. 4 (minimum interest) become gains 4 .. 1; code -1 is ignored."""
    qrels: dict[int, dict[str, int]] = {}
    for line in (CRANFIELD / "cranqrel").read_text().splitlines():
        parts = line.split()
        if len(parts) == 3 and int(parts[2]) in (1, 2, 3, 4):
            qrels.setdefault(int(parts[0]), {})[parts[1]] = 5 - int(parts[2])
    return qrels


def write_cranfield_corpus(dest: Path) -> Path:
    """One Markdown file a document (the title as its heading), made fresh from ../shared."""
    if dest.exists() and len(list(dest.glob("*.md"))) == 1400:
        return dest
    dest.mkdir(parents=True, exist_ok=True)
    for doc_id, (title, text) in cranfield_docs().items():
        (dest / f"{int(doc_id):04d}.md").write_text(f"# {title}\n\n{text}\n", encoding="utf-8")
    return dest


def run_index(corpus: Path, index: Path, *extra: str) -> tuple[dict[str, Any], float, int]:
    """`brief-bot index --json` in a child process: (report, wall seconds, peak RSS in MB)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run([str(BIN), "index", "--corpus", str(corpus), "--index", str(index),
                          "--json", "--no-progress", *extra], capture_output=True, text=True,
                         check=True)
    wall = time.perf_counter() - started
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return json.loads(out.stdout), wall, peak // 1024


def process_start_seconds() -> float:
    """What a bare `brief-bot` process costs before it does any work."""
    started = time.perf_counter()
    subprocess.run([str(BIN), "--help"], capture_output=True, check=True)
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def first_rank(sources: list[str], expected: Iterable[str], k: int) -> int | None:
    """1-based rank of the first expected source among the top k, or None."""
    wanted = set(expected)
    return next((i for i, s in enumerate(sources[:k], 1) if s in wanted), None)


def stop_group(process: subprocess.Popen[Any], timeout: float = 20.0) -> None:
    """End a server started in its own process group: SIGTERM, then SIGKILL if it lingers."""
    import os
    import signal

    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
