"""Load test for the chat page's HTTP API: concurrent sessions asking questions through /ask.

    .venv/bin/python benchmarks/bench_web.py                       # starts `brief-bot serve`
    .venv/bin/python benchmarks/bench_web.py --url http://127.0.0.1:7860/
    .venv/bin/python benchmarks/bench_web.py --sessions 20 --questions 10 --json

Each session is its own `gradio_client.Client` (its own server-side session) and asks its
questions one after another in one conversation (the server keeps the history), like a person
at the page.
Prints errors and p50/p95/max latency per answer; exits 1 on any error or when --max-p95 is
exceeded. Target on 2 cores: 20 sessions x 10 questions, 0 errors, p95 <= 1 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from common import ROOT, percentile, stop_group

QUESTIONS = [
    "how was the WCIT internet resolution adopted?",
    "what are our messages for the plenipot?",
    "what is the CWG-Internet?",
    "how do we push for openness at the WTDC?",
    "what will become of the WTPF opinions?",
    "how many member states does ITU have?",
    "what is TIES?",
    "how can civil society join ITU?",
    "how will we measure success?",
    "what is the civil society narrative for the Plenipot?",
    "who did not sign the ITRs?",
    "what happened at PP-14 in Busan?",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def run_session(url: str, index: int, questions: int, latencies: list[float],
                errors: list[str], lock: threading.Lock, start: threading.Barrier) -> None:
    from gradio_client import Client

    try:
        # ssl_verify only matters for https; turning it off for plain http stops gradio_client
        # from loading the CA bundle on every request (~100 ms of CPU each on a small machine).
        client = Client(url, verbose=False, ssl_verify=url.startswith("https://"))
    except Exception as exc:  # noqa: BLE001 - counted and reported
        with lock:
            errors.append(f"session {index}: connect: {exc}")
        return
    start.wait()
    for i in range(questions):
        question = QUESTIONS[(index + i) % len(QUESTIONS)]
        t0 = time.perf_counter()
        try:
            _, _, _, data = client.predict(question, [], [], [], False, api_name="/ask")
            elapsed = time.perf_counter() - t0
            if not isinstance(data, dict) or not data.get("answer"):
                raise ValueError(f"no answer in {str(data)[:200]}")
        except Exception as exc:  # noqa: BLE001 - counted and reported
            with lock:
                errors.append(f"session {index} question {i}: {type(exc).__name__}: {exc}")
            continue
        with lock:
            latencies.append(elapsed)
    client.close()


def cpu_seconds(pid: int | None) -> float:
    """CPU time (user + system) of a process so far; this one's when pid is None."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    # The server and its answering processes: every live process descended from pid.
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
    tree, grew = {pid}, True
    while grew:
        more = {p for p, f in stats.items() if int(f[1]) in tree} - tree
        tree |= more
        grew = bool(more)
    ticks = sum(int(stats[p][11]) + int(stats[p][12]) for p in tree if p in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def bench(url: str, sessions: int, questions: int, server_pid: int | None = None) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(sessions + 1)
    threads = [threading.Thread(target=run_session, daemon=True,
                                args=(url, i, questions, latencies, errors, lock, start))
               for i in range(sessions)]
    for t in threads:
        t.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        start.wait(timeout=120)
    began = time.perf_counter()
    client_cpu = cpu_seconds(None)
    server_cpu = cpu_seconds(server_pid) if server_pid else 0.0
    for t in threads:
        t.join(timeout=600)
    wall = time.perf_counter() - began
    client_cpu = cpu_seconds(None) - client_cpu
    server_cpu = cpu_seconds(server_pid) - server_cpu if server_pid else None
    return {
        "sessions": sessions, "questions_per_session": questions,
        "answers": len(latencies), "errors": len(errors), "error_samples": errors[:5],
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 95), 3) if latencies else None,
        "max_s": round(max(latencies), 3) if latencies else None,
        "mean_s": round(statistics.fmean(latencies), 3) if latencies else None,
        "wall_s": round(wall, 2),
        "answers_per_s": round(len(latencies) / wall, 2) if wall else None,
        "cpus": os.cpu_count(),
        # Where the two cores went: the clients share the machine with the server here.
        "server_cpu_ms_per_answer": round(1000 * server_cpu / len(latencies), 1)
        if server_cpu is not None and latencies else None,
        "client_cpu_ms_per_answer": round(1000 * client_cpu / len(latencies), 1)
        if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="A running page; otherwise `brief-bot serve` is started.")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, default=ROOT / "indexes")
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--questions", type=int, default=10)
    ap.add_argument("--max-p95", type=float, default=None, help="Exit 1 above this (seconds).")
    ap.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = ap.parse_args(argv)

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    server = None
    tmp = tempfile.TemporaryDirectory(prefix="bench-web-")
    url = args.url
    startup = first_answer = None
    try:
        if url is None:
            port = free_port()
            env = {**os.environ, "BRIEF_BOT_FEEDBACK_DB": str(Path(tmp.name) / "fb.sqlite")}
            exe = Path(sys.executable).with_name("brief-bot")
            # setpriv: the server goes too if this script is killed.
            guard = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
            cmd = [*guard, str(exe) if exe.exists() else "brief-bot", "serve", "--corpus",
                   str(args.corpus), "--index", str(args.index), "--port", str(port)]
            log = open(Path(tmp.name) / "serve.log", "w")  # noqa: SIM115 - closed below
            server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
            url = f"http://127.0.0.1:{port}/"
            launched = time.perf_counter()
            startup = round(wait_http(url, 120), 2)
            from gradio_client import Client

            # The README's promise: the first answer within 20 s of the command.
            Client(url, verbose=False, ssl_verify=False).predict(
                QUESTIONS[0], [], [], [], False, api_name="/ask")
            first_answer = round(time.perf_counter() - launched, 2)
        result = bench(url, args.sessions, args.questions,
                       server.pid if server is not None else None)
        result["server_startup_s"] = startup
        result["first_answer_s"] = first_answer
    finally:
        if server is not None:
            stop_group(server, timeout=15)
        tmp.cleanup()
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['sessions']} sessions x {result['questions_per_session']} questions: "
              f"{result['answers']} answers, {result['errors']} errors")
        print(f"latency p50 {result['p50_s']} s, p95 {result['p95_s']} s, max {result['max_s']} "
              f"s; {result['answers_per_s']} answers/s over {result['wall_s']} s "
              f"on {result['cpus']} CPUs")
        print(f"CPU per answer: server {result['server_cpu_ms_per_answer']} ms, "
              f"clients {result['client_cpu_ms_per_answer']} ms")
        if result["first_answer_s"] is not None:
            print(f"page up {result['server_startup_s']} s, first answer "
                  f"{result['first_answer_s']} s after the command")
        for sample in result["error_samples"]:
            print("  error:", sample)
    failed = result["errors"] > 0 or (args.max_p95 is not None and result["p95_s"] is not None
                                      and result["p95_s"] > args.max_p95)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
