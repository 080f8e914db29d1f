"""Startup time and memory of one worker: where a cold start spends its time and its memory.

Run:  .venv/bin/python bench/startup.py                  (3 starts of each server, about 40 s)
      .venv/bin/python bench/startup.py --allocations    (and the tracemalloc breakdown, 2 more minutes)

1. The Procfile command (gunicorn, loopback), this project and the peer (bench/peer_echo.py)
   under the same settings: seconds from launch to the first /healthz 200, and the worker's
   resident memory then, split into private memory (RssAnon) and file pages (RssFile: mostly
   SudachiPy's memory-mapped dictionary, shared by every process that maps it). Median of --repeat.
2. One fresh interpreter doing what a worker does, step by step: import the app, build it
   (FAQ load), answer a first question; time and memory after each step, and how much of the
   resident memory is pages of SudachiPy's system.dic.
3. What the import costs, module by module (python -X importtime), and which packages hold the
   Python memory allocated by the import and the FAQ load (tracemalloc).
Targets: startup under 1.5 s and worker RSS under 150 MB (PASS/FAIL printed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.webhook_load import PEER_APP, Server, free_port, procfile_argv, server_env  # noqa: E402

STARTUP_TARGET = 1.5  # seconds
RSS_TARGET = 150.0  # MB
NOTABLE = ["linebot.v3.messaging", "linebot.v3.webhooks", "linebot.v3.webhook", "flask", "sqlalchemy", "psycopg",
           "sudachipy", "rapidfuzz", "numpy", "yaml", "bot.store", "bot.line_api", "bot.answering", "bot.webapp"]

# Runs in a fresh interpreter: prints one JSON line per step.
STEPS = r"""
import json, os, sys, time
began = time.perf_counter()

def memory():
    values = {}
    for line in open("/proc/self/status"):
        key = line.split(":")[0]
        if key in ("VmRSS", "RssAnon", "RssFile"):
            values[key] = int(line.split()[1]) / 1024
    dictionary = 0
    with open("/proc/self/smaps") as smaps:
        inside = False
        for line in smaps:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                inside = line.rstrip().endswith("system.dic")
            elif inside and line.startswith("Rss:"):
                dictionary += int(line.split()[1]) / 1024
    values["dictionary"] = dictionary
    return values

import re
def step(name):
    print(json.dumps({"step": name, "s": time.perf_counter() - began, **memory()}), flush=True)

step("interpreter")
from bot.webapp import create_app
step("import bot.webapp")
app = create_app()
step("create_app() (FAQ load)")
app.extensions["faqbot"].answerer().answer("副作用はありますか")
step("first answer")
"""

TRACE = r"""
import json, tracemalloc
tracemalloc.start(16)  # deep enough to get past the import machinery to the importing package
from bot.webapp import create_app
app = create_app()

def owner(traceback):
    # The innermost frame in a package, skipping the import machinery: module code objects
    # count for the package whose import statement loaded them.
    for frame in reversed(traceback):
        name = frame.filename
        if "site-packages/" in name:
            return name.split("site-packages/")[1].split("/")[0]
        if "/bot/" in name:
            return "bot"
    return "other"

by_package = {}
for stat in tracemalloc.take_snapshot().statistics("traceback"):
    package = owner(stat.traceback)
    by_package[package] = by_package.get(package, 0) + stat.size
print(json.dumps(by_package))
"""


def environment(workdir: Path) -> dict[str, str]:
    return server_env(free_port(), "http://127.0.0.1:9", workdir, {})


def gunicorn_starts(name: str, app: str | None, repeat: int, workdir: Path) -> list[dict[str, float]]:
    runs = []
    for attempt in range(repeat):
        port = free_port()
        server = Server(name, procfile_argv(port, app), server_env(port, "http://127.0.0.1:9", workdir, {}), workdir / f"{name}-{attempt}.log", port)
        try:
            server.start()
            (pid,) = server.workers()[:1] or (None,)
            memory = status(pid) if pid else {}
            runs.append({"s": server.startup or float("nan"), **memory})
        finally:
            server.stop()
    return runs


def status(pid: int) -> dict[str, float]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "RssAnon", "RssFile"):
            values[key] = int(line.split()[1]) / 1024
    return values


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r.get(key, float("nan")) for r in runs)


def importtime(env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import bot.webapp"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    cumulative: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if match and match.group(3) not in cumulative:
            cumulative[match.group(3)] = int(match.group(1)) / 1e6
    return cumulative


def allocations(env: dict[str, str]) -> None:
    try:
        traced = subprocess.run([sys.executable, "-c", TRACE], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        print("\ntracemalloc: gave up after 600 s")
        return
    if traced.returncode:
        print(traced.stderr, file=sys.stderr)
        return
    sizes = json.loads(traced.stdout.splitlines()[-1])
    print(f"\nPython allocations held after import + create_app (tracemalloc): {sum(sizes.values()) / 2**20:.0f} MB; largest:")
    for package, size in sorted(sizes.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {package:<28}{size / 2**20:>6.1f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="starts of each server (median reported)")
    parser.add_argument("--allocations", action="store_true", help="also trace which packages hold the Python memory (slow)")
    args = parser.parse_args()
    print(f"startup ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}): median of {args.repeat} starts")
    with tempfile.TemporaryDirectory(prefix="startup-") as tmp:
        workdir = Path(tmp)
        env = environment(workdir)
        rows = {name: gunicorn_starts(name, app, args.repeat, workdir) for name, app in (("project", None), ("peer", PEER_APP))}
        print(f"\n{'Procfile command':<18}{'to /healthz 200 s':>19}{'worker RSS MB':>15}{'private MB':>12}{'file MB':>9}")
        for name, runs in rows.items():
            print(f"{name:<18}{median(runs, 's'):>19.2f}{median(runs, 'VmRSS'):>15.0f}{median(runs, 'RssAnon'):>12.0f}{median(runs, 'RssFile'):>9.0f}")

        steps = subprocess.run([sys.executable, "-c", STEPS], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        print(f"\n{'one interpreter, step by step':<32}{'at s':>7}{'RSS MB':>8}{'private MB':>12}{'file MB':>9}{'of it system.dic MB':>21}")
        for line in steps.stdout.splitlines():
            record = json.loads(line)
            print(f"{record['step']:<32}{record['s']:>7.2f}{record['VmRSS']:>8.0f}{record['RssAnon']:>12.0f}{record['RssFile']:>9.0f}{record['dictionary']:>21.0f}")
        if steps.returncode:
            print(steps.stderr, file=sys.stderr)

        cumulative = importtime(env)
        print("\nimport time, cumulative (python -X importtime -c 'import bot.webapp'):")
        for name in NOTABLE:
            if name in cumulative:
                print(f"  {name:<28}{cumulative[name]:>6.2f} s")

        if args.allocations:
            allocations(env)
        else:
            print("\n(--allocations adds which packages hold the Python memory; about 2 more minutes)")

    project = rows["project"]
    startup, rss = median(project, "s"), median(project, "VmRSS")
    print(f"\n{'PASS' if startup < STARTUP_TARGET else 'FAIL'}  project worker ready (/healthz 200) in {startup:.2f} s (target < {STARTUP_TARGET} s)")
    print(f"{'PASS' if rss < RSS_TARGET else 'FAIL'}  project worker RSS {rss:.0f} MB after load (target < {RSS_TARGET:.0f} MB; "
          f"private {median(project, 'RssAnon'):.0f} MB, file pages {median(project, 'RssFile'):.0f} MB)")
    return 0 if startup < STARTUP_TARGET and rss < RSS_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
