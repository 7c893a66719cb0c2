"""How long the writer's lock is held for a 3,000-chunk file, and how long a second writer waits.

    .venv/bin/python benchmarks/bench_lock.py
    .venv/bin/python benchmarks/bench_lock.py --chunks 1000 --json

Builds the starter corpus's index with the real model (in a temporary folder), then adds a
Markdown file of `--chunks` short sections (one chunk each, every one different) and runs two
writers in separate processes over the same index: writer A indexes the big file; writer B
(a one-paragraph "upload" added once A holds the lock) is started the moment A takes the lock.
Each writer wraps `brief_bot.index.writer.writer_lock` to time its wait and its hold (and, where
there is one, the wait before embedding for a writer that is writing), so the same script
measures any version of the writer (the branch point and this one). Printed: A's hold, B's
waits and hold, each run's wall time, and the ratio of A's hold to A's whole run. Target: A holds
the lock under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import ROOT

# One writer in its own process: the lock timed around the writer's own use of it.
_WRITER = """
import contextlib, json, sys, time
from pathlib import Path
from brief_bot.config import Settings
from brief_bot.index import writer
corpus, index, marker = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
times = {}
original = writer.writer_lock

@contextlib.contextmanager
def timed(*args, **kwargs):
    asked = time.perf_counter()
    with original(*args, **kwargs):
        got = time.perf_counter()
        times.setdefault("wait_s", 0.0)
        times["wait_s"] += got - asked
        marker.write_text("held")
        try:
            yield
        finally:
            times["hold_s"] = times.get("hold_s", 0.0) + time.perf_counter() - got
            times["holds"] = times.get("holds", 0) + 1

writer.writer_lock = timed
try:  # a writer that waits, before embedding, for one that is writing (not on the branch point)
    from brief_bot.index import prepare
    settle = prepare.wait_for_writer

    def timed_settle(*args, **kwargs):
        asked = time.perf_counter()
        settle(*args, **kwargs)
        times["settle_wait_s"] = times.get("settle_wait_s", 0.0) + time.perf_counter() - asked

    prepare.wait_for_writer = timed_settle
except ImportError:
    pass
started = time.perf_counter()
report = writer.update(Settings(corpus=corpus, index=index, grace_seconds=0).indexing)
times["wall_s"] = time.perf_counter() - started
print(json.dumps({**{k: round(v, 2) for k, v in times.items()},
                  "embedded": report.embedded, "chunks": report.chunks,
                  "new_generation": report.new_generation}))
"""


def big_markdown(chunks: int) -> str:
    """`chunks` sections of one short, distinct paragraph each: one chunk a section."""
    parts = ["---\ntitle: Working group minutes\ndoc_type: report\n---\n"]
    for n in range(chunks):
        parts.append(f"## Item {n}\n\nThe working group noted contribution {n} from delegation "
                     f"{n % 193} on agenda item {n % 41}, asked the secretariat for a revised "
                     f"draft by meeting {n % 17}, and recorded reservation number {n}.\n")
    return "\n".join(parts)


def start_writer(corpus: Path, index: Path, marker: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(corpus), str(index), str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=3600)
    if process.returncode != 0:
        raise RuntimeError(f"writer failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def run(chunks: int) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="bench-lock-"))
    try:
        corpus, index = base / "corpus", base / "indexes"
        shutil.copytree(ROOT / "corpus", corpus)
        marker_a, marker_b = base / "a.held", base / "b.held"
        first = finish(start_writer(corpus, index, base / "first.held"))
        print(f"starter index: {first['chunks']} chunks in {first['wall_s']} s", flush=True)
        (corpus / "minutes.md").write_text(big_markdown(chunks), "utf-8")
        a = start_writer(corpus, index, marker_a)
        while not marker_a.exists():
            if a.poll() is not None:
                break
            time.sleep(0.05)
        # The second writer arrives while the first holds the lock: an upload, or cron.
        (corpus / "upload.md").write_text("# Upload\n\nA short note uploaded meanwhile.\n")
        b = start_writer(corpus, index, marker_b)
        result_a, result_b = finish(a), finish(b)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return {"chunks_asked": chunks, "a": result_a, "b": result_b,
            "a_hold_share_of_run": round(result_a["hold_s"] / result_a["wall_s"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=3000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("BRIEF_BOT_MAX_FILE_CHUNKS", str(max(3000, args.chunks)))
    result = run(args.chunks)
    if args.json:
        print(json.dumps(result))
        return
    a, b = result["a"], result["b"]
    print(f"writer A ({a['embedded']} chunks embedded): lock held {a['hold_s']} s of a "
          f"{a['wall_s']} s run ({result['a_hold_share_of_run']:.0%}); target < 5 s")
    print(f"writer B (one small upload, started while A held the lock): waited {b['wait_s']} s "
          f"for the lock and {b.get('settle_wait_s', 0.0)} s for A's write before embedding, "
          f"held it {b['hold_s']} s, embedded {b['embedded']}, run {b['wall_s']} s")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
