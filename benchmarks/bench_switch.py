"""Index switches under a running page: does anything leak in the processes that answer?

    .venv/bin/python benchmarks/bench_switch.py                 # 50 switches
    .venv/bin/python benchmarks/bench_switch.py --switches 10 --json

Starts `brief-bot serve` (two answering processes, `web_workers=2`) over a copy of the starter
corpus, asks questions through the page's API until every process has the index open, then 50
times: edits one document, runs `index.update()` (a new generation; superseded ones are deleted
at once, `grace_seconds=0`, so a process still holding one shows), and asks questions at once
so both answering processes move to the new generation. Before and after, for the page and each
answering process: RSS, open file handles, and files of deleted generations still open or
mapped (`/proc/PID/fd`, `/proc/PID/maps`); and the disk space deleted-but-open files hold.
Targets: RSS growth <= 20 MB per process, handles flat, no deleted generation held.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench_web import QUESTIONS, free_port, wait_http
from common import ROOT, stop_group


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(entry.name))
    return out


def answering_processes(server: int) -> list[int]:
    """The pool's workers: spawned children of the page that are not multiprocessing's
    resource tracker."""
    found = []
    for pid in children(server):
        with contextlib.suppress(OSError):
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "multiprocessing" in cmd and "resource_tracker" not in cmd:
                found.append(pid)
    return sorted(found)


def measure(pid: int, index_dir: Path) -> dict[str, Any]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = int(status.split("VmRSS:")[1].split()[0])
    fds = files = deleted_fds = 0
    held = 0
    paths = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            fds += 1
            if target.startswith("/"):  # not sockets, pipes or anonymous inodes
                files += 1
                paths.append(re.sub(r"gen-\d{8}T\d+", "gen-*", target))
            if target.endswith(" (deleted)") and str(index_dir) in target:
                deleted_fds += 1
                with contextlib.suppress(OSError):
                    held += os.stat(fd).st_size
    deleted_maps = {line.split(None, 5)[5] for line in
                    Path(f"/proc/{pid}/maps").read_text().splitlines()
                    if line.endswith(" (deleted)") and str(index_dir) in line}
    return {"rss_mb": round(rss_kb / 1024, 1), "fds": fds, "files": files,
            "deleted_fds": deleted_fds,
            "deleted_maps": len(deleted_maps), "deleted_bytes_held": held, "paths": paths}


_clients: list[Any] = []


def ask_at_once(url: str, n: int) -> list[str]:
    """`n` questions at once through the page's API (so both answering processes get some),
    from the same `n` sessions every time: new sessions would grow the page, not the index."""
    from gradio_client import Client

    while len(_clients) < n:
        _clients.append(Client(url, verbose=False, ssl_verify=False))
    errors: list[str] = []

    def one(i: int) -> None:
        try:
            _, _, _, data = _clients[i].predict(QUESTIONS[i % len(QUESTIONS)], [], [], [],
                                                False, api_name="/ask")
            if not isinstance(data, dict) or not data.get("answer"):
                errors.append(f"no answer: {str(data)[:200]}")
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return errors


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--switches", type=int, default=50)
    ap.add_argument("--questions", type=int, default=4, help="Asked at once after each switch.")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from brief_bot.config import Settings
    from brief_bot.index import update
    from brief_bot.index.embedding import default_embedder

    tmp = Path(tempfile.mkdtemp(prefix="bench-switch-"))
    corpus, index_dir = tmp / "corpus", tmp / "indexes"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = Settings(corpus=corpus, index=index_dir, grace_seconds=0, keep_generations=2,
                        feedback_db=tmp / "fb.sqlite")
    embedder = default_embedder(settings.model)
    update(settings.indexing, embedder=embedder)

    port = free_port()
    env = {**os.environ, "BRIEF_BOT_FEEDBACK_DB": str(tmp / "fb.sqlite"),
           "BRIEF_BOT_WEB_WORKERS": "2", "GRADIO_ANALYTICS_ENABLED": "False"}
    exe = Path(sys.executable).with_name("brief-bot")
    guard = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
    log = open(tmp / "serve.log", "w")  # noqa: SIM115 - closed below
    server = subprocess.Popen([*guard, str(exe), "serve", "--corpus", str(corpus), "--index",
                               str(index_dir), "--port", str(port)], env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    errors: list[str] = []
    try:
        wait_http(url, 180)
        workers = answering_processes(server.pid)
        assert len(workers) == 2, f"expected 2 answering processes, found {workers}"
        pids = {"page": server.pid, "worker 1": workers[0], "worker 2": workers[1]}
        target = corpus / "briefings" / "wcit-12-itrs.md"
        original = target.read_text("utf-8")

        def switch(i: int) -> float:
            target.write_text(original + f"\n\nRevision note {i}: the text was checked again.\n",
                              "utf-8")
            started = time.perf_counter()
            report = update(settings.indexing, embedder=embedder)
            assert report.new_generation, report
            took = time.perf_counter() - started
            errors.extend(ask_at_once(url, args.questions))
            return took

        # Two switches first: caches, pools and the first reopen settle before the baseline.
        errors.extend(ask_at_once(url, args.questions))
        for i in range(2):
            switch(-1 - i)
        before = {name: measure(pid, index_dir) for name, pid in pids.items()}
        started = time.perf_counter()
        update_seconds = [switch(i) for i in range(args.switches)]
        wall = time.perf_counter() - started
        time.sleep(1.0)
        after = {name: measure(pid, index_dir) for name, pid in pids.items()}
        generations = sorted(p.name for p in index_dir.glob("gen-*"))
    finally:
        for client in _clients:
            with contextlib.suppress(Exception):
                client.close()
        stop_group(server, timeout=20)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)

    result = {
        "switches": args.switches, "wall_s": round(wall, 1),
        "update_s_mean": round(sum(update_seconds) / len(update_seconds), 2),
        "errors": len(errors), "error_samples": errors[:5],
        "generations_on_disk": len(generations),
        "processes": {name: {"before": before[name], "after": after[name],
                             "rss_growth_mb": round(after[name]["rss_mb"]
                                                    - before[name]["rss_mb"], 1),
                             "fd_growth": after[name]["fds"] - before[name]["fds"],
                             "file_growth": after[name]["files"] - before[name]["files"],
                             "files_opened": sorted(set(after[name].pop("paths"))
                                                    - set(before[name].pop("paths")))}
                      for name in pids},
    }
    worst = max(p["rss_growth_mb"] for p in result["processes"].values())
    held = sum(p["after"]["deleted_fds"] + p["after"]["deleted_maps"]
               for p in result["processes"].values())
    # Sockets come and go with the page's clients; files must not grow with the switches (one
    # opened once along the way, such as a library's data file, is not a leak).
    file_growth = max(p["file_growth"] for p in result["processes"].values())
    result["ok"] = worst <= 20 and file_growth <= 2 and held == 0 and not errors
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.switches} index switches in {wall:.0f} s (update {result['update_s_mean']}"
              f" s each), {result['errors']} errors, {len(generations)} generations on disk")
        print(f"{'process':<10} {'RSS MB before':>14} {'after':>8} {'growth':>7} "
              f"{'fds before':>11} {'after':>6} {'files before':>13} {'after':>6} "
              f"{'deleted held (fd/maps)':>23}")
        for name, p in result["processes"].items():
            b, a = p["before"], p["after"]
            print(f"{name:<10} {b['rss_mb']:>14} {a['rss_mb']:>8} {p['rss_growth_mb']:>7} "
                  f"{b['fds']:>11} {a['fds']:>6} {b['files']:>13} {a['files']:>6} "
                  f"{a['deleted_fds']:>21}/{a['deleted_maps']}")
        for name, p in result["processes"].items():
            if p["files_opened"]:
                print(f"  {name} opened since the baseline: {', '.join(p['files_opened'])}")
        print("targets: growth <= 20 MB, handles flat, nothing deleted held:",
              "met" if result["ok"] else "NOT met")
        for sample in result["error_samples"]:
            print("  error:", sample)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
