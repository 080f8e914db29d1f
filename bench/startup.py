"""Startup time and memory of one worker: where a start spends its time and its memory.

Run:  .venv/bin/python bench/startup.py                    (5 starts of each server, about 1.5 min)
      .venv/bin/python bench/startup.py --drop-caches      (also 3 starts after emptying the page cache; root)
      .venv/bin/python bench/startup.py --allocations      (and the tracemalloc breakdown, 2 more minutes)

1. Cold start: the Procfile command (gunicorn, two workers, loopback), this project and the
   peer (bench/peer_echo.py) under the same settings: seconds from launch to the first
   /healthz 200, with the page cache warm (the files were read by an earlier start) and, with
   --drop-caches, after `echo 3 > /proc/sys/vm/drop_caches` (every file read from disk again).
   Then each worker's memory once both have built their app:
     RSS   every page the worker has mapped in memory: its private pages, the pages it still
           shares with the master and the other worker since the fork, and file pages
           (libraries, SudachiPy's memory-mapped system.dic) that every process mapping
           them shares;
     USS   only its private pages: what stopping this worker would give back;
     PSS   its private pages plus its share of each shared page (a page shared by 3
           processes counts a third): summed over the processes, the memory they use.
   The target is RSS; USS and PSS say how much of it is this worker's own.
2. Replacement worker: one worker (WEB_CONCURRENCY=1) is killed with SIGKILL; seconds until
   /healthz answers 200 again, i.e. until the new worker the master forks has built its app.
3. One fresh interpreter doing what a worker does without the master's help, step by step:
   import the app, build it (FAQ load), answer a first question; time and memory after each.
4. What the import costs, module by module (python -X importtime), and with --allocations
   which packages hold the Python memory allocated by the import and the FAQ load.
Targets: a worker ready (launch to /healthz 200) in under 1.5 s, and its RSS under 150 MB
(PASS/FAIL printed; exit status 1 when one fails).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.webhook_load import PEER_APP, Server, free_port, procfile_argv, server_env  # noqa: E402

STARTUP_TARGET = 1.5  # seconds
RSS_TARGET = 150.0  # MB
DICTIONARY = "system.dic"
NOTABLE = ["linebot.v3.messaging", "linebot.v3.webhooks", "linebot.v3.webhook", "flask", "sqlalchemy", "psycopg",
           "sudachipy", "rapidfuzz", "numpy", "yaml", "bot.store", "bot.line_api", "bot.answering", "bot.webapp"]
MEMORY = ("RSS", "USS", "PSS", "anon", "file", "dic")

# Runs in a fresh interpreter (after the source of `memory`): prints one JSON line per step.
STEPS = r"""
import json, time
began = time.perf_counter()

def step(name):
    print(json.dumps({"step": name, "s": time.perf_counter() - began, **memory("self")}), flush=True)

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


def memory(pid: int | str) -> dict[str, float]:
    """MB: RSS, USS, PSS, anon (RssAnon), file (RssFile) and dic (resident pages of system.dic)."""
    values = {key: 0.0 for key in MEMORY}
    try:
        with open(f"/proc/{pid}/smaps") as smaps:
            in_dictionary = False
            for line in smaps:
                if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                    in_dictionary = line.rstrip().endswith(DICTIONARY)
                    continue
                key, _, rest = line.partition(":")
                if key not in ("Rss", "Pss", "Private_Clean", "Private_Dirty", "Anonymous"):
                    continue
                kb = int(rest.split()[0]) / 1024
                if key == "Rss":
                    values["RSS"] += kb
                    values["dic"] += kb if in_dictionary else 0.0
                elif key == "Pss":
                    values["PSS"] += kb
                elif key == "Anonymous":
                    values["anon"] += kb
                else:
                    values["USS"] += kb
    except OSError:
        return {key: float("nan") for key in MEMORY}
    values["file"] = values["RSS"] - values["anon"]
    return values


def children(pid: int) -> list[int]:
    try:
        return sorted(int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    except OSError:
        return []


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def drop_caches() -> bool:
    """Empty the page cache (root only): the next start reads every file from disk."""
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except (OSError, subprocess.CalledProcessError):
        return False


def wait_for_apps(server: Server, workers: int, within: float = 60.0) -> None:
    """Until every worker has built its app: the first /healthz 200 only proves that one has."""
    deadline = time.monotonic() + within
    while server.log.read_text(errors="replace").count("app_started") < workers and time.monotonic() < deadline:
        time.sleep(0.05)


def cold_starts(name: str, app: str | None, repeat: int, workdir: Path, *, drop: bool = False) -> list[dict[str, float]]:
    """Launch to first /healthz 200, and the memory of the workers and the master once all are up."""
    runs = []
    for attempt in range(repeat):
        if drop and not drop_caches():
            break
        port = free_port()
        log = workdir / f"{name}-{'cold' if drop else 'warm'}-{attempt}.log"
        server = Server(name, procfile_argv(port, app), server_env(port, "http://127.0.0.1:9", workdir, {}), log, port)
        try:
            server.start()
            if name == "project":
                wait_for_apps(server, 2)
            else:
                time.sleep(1.0)  # the peer logs nothing when ready; its app is built at import
            workers = [memory(pid) for pid in children(server.process.pid)]
            worst = max(workers, key=lambda m: m["RSS"]) if workers else memory(-1)
            runs.append({"s": server.startup or float("nan"), **worst,
                         **{f"master {k}": v for k, v in memory(server.process.pid).items()}})
        finally:
            server.stop()
    return runs


def replacements(repeat: int, workdir: Path) -> list[dict[str, float]]:
    """SIGKILL the only worker; seconds until /healthz is 200 again, and the new worker's memory."""
    port = free_port()
    env = server_env(port, "http://127.0.0.1:9", workdir, {"WEB_CONCURRENCY": "1"})
    server = Server("project", procfile_argv(port), env, workdir / "replacement.log", port)
    runs = []
    try:
        server.start()
        wait_for_apps(server, 1)
        for attempt in range(repeat):
            (old,) = children(server.process.pid)
            began = time.monotonic()
            os.kill(old, signal.SIGKILL)
            while old in children(server.process.pid) and Path(f"/proc/{old}/stat").exists():
                if Path(f"/proc/{old}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    break  # dead: whatever answers /healthz now is the new worker
                time.sleep(0.001)
            while not healthy(port):
                time.sleep(0.01)
            ready = time.monotonic() - began
            wait_for_apps(server, 2 + attempt)
            runs.append({"s": ready, **memory(children(server.process.pid)[0])})
    finally:
        server.stop()
    return runs


def median(runs: list[dict[str, float]], key: str) -> float:
    values = [r[key] for r in runs if key in r]
    return statistics.median(values) if values else float("nan")


def spread(runs: list[dict[str, float]], key: str = "s") -> str:
    values = [r[key] for r in runs if key in r]
    return f"{min(values):.2f}–{max(values):.2f}" if values else "–"


def importtime(env: dict[str, str]) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import bot.webapp"], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    cumulative: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
        if match and match.group(3) not in cumulative:
            cumulative[match.group(3)] = int(match.group(1)) / 1e6
    return cumulative


def bytecode_written() -> bool:
    """Whether the LINE SDK's .pyc files exist (make install writes them; without them every start compiles)."""
    import importlib.util

    spec = importlib.util.find_spec("linebot.v3.messaging.api.messaging_api")
    return bool(spec and spec.cached and Path(spec.cached).exists())


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


def table(rows: dict[str, list[dict[str, float]]], title: str, prefix: str = "") -> None:
    """Medians: seconds to ready and the range, then memory (the master's with prefix="master ")."""
    timing = not prefix
    print(f"\n{title:<30}" + (f"{'ready s (median)':>17}{'range s':>11}" if timing else " " * 28) + "".join(f"{k:>7}" for k in MEMORY))
    for name, runs in rows.items():
        if runs:
            print(f"{name:<30}" + (f"{median(runs, 's'):>17.2f}{spread(runs):>11}" if timing else " " * 28)
                  + "".join(f"{median(runs, prefix + k):>7.0f}" for k in MEMORY))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="starts of each server (median reported)")
    parser.add_argument("--drop-caches", action="store_true", help="also 3 starts after emptying the page cache (needs root)")
    parser.add_argument("--allocations", action="store_true", help="also trace which packages hold the Python memory (slow)")
    args = parser.parse_args()
    print(f"startup ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}): median of {args.repeat} starts;"
          f" .pyc files written: {'yes' if bytecode_written() else 'NO (run make install)'}")
    print("memory in MB: RSS, USS (private), PSS (private + share of shared), anon, file (of RSS), dic (system.dic pages in RSS)")
    with tempfile.TemporaryDirectory(prefix="startup-") as tmp:
        workdir = Path(tmp)
        env = server_env(free_port(), "http://127.0.0.1:9", workdir, {})
        warm = {name: cold_starts(name, app, args.repeat, workdir) for name, app in (("project", None), ("peer", PEER_APP))}
        table({f"{name}, page cache warm": runs for name, runs in warm.items()}, "launch to /healthz 200, worker")
        table({f"{name}, page cache warm": runs for name, runs in warm.items()}, "the master then", "master ")
        cold: list[dict[str, float]] = []
        if args.drop_caches:
            cold = cold_starts("project", None, 3, workdir, drop=True)
            if cold:
                table({"project, page cache dropped": cold}, "launch to /healthz 200, worker")
            else:
                print("\n--drop-caches: cannot write /proc/sys/vm/drop_caches (not root?): skipped")
        replaced = replacements(args.repeat, workdir)
        table({"project, SIGKILLed worker": replaced}, "replacement worker to 200")

        source = f"import re\nDICTIONARY, MEMORY = {DICTIONARY!r}, {MEMORY!r}\n{inspect.getsource(memory)}{STEPS}"
        steps = subprocess.run([sys.executable, "-c", source], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        print(f"\n{'one interpreter, no master':<30}{'at s':>7}" + "".join(f"{k:>7}" for k in MEMORY))
        for line in steps.stdout.splitlines():
            record = json.loads(line)
            print(f"{record['step']:<30}{record['s']:>7.2f}" + "".join(f"{record[k]:>7.0f}" for k in MEMORY))
        if steps.returncode:
            print(steps.stderr, file=sys.stderr)

        cumulative = importtime(env)
        print("\nimport time, cumulative (python -X importtime -c 'import bot.webapp'):")
        for name in NOTABLE:
            if name in cumulative:
                print(f"  {name:<28}{cumulative[name]:>6.2f} s")

        if args.allocations:
            allocations(env)

    project = warm["project"]
    startup, rss = median(project, "s"), median(project, "RSS")
    print(f"\n{'PASS' if startup < STARTUP_TARGET else 'FAIL'}  project worker ready (launch to /healthz 200, page cache warm) "
          f"in {startup:.2f} s (target < {STARTUP_TARGET} s)")
    if cold:
        print(f"{'PASS' if median(cold, 's') < STARTUP_TARGET else 'FAIL'}  the same after dropping the page cache: {median(cold, 's'):.2f} s")
    print(f"info  a replacement worker (the old one SIGKILLed) ready in {median(replaced, 's'):.2f} s")
    print(f"{'PASS' if rss < RSS_TARGET else 'FAIL'}  project worker RSS {rss:.0f} MB once both workers are up (target < {RSS_TARGET:.0f} MB; "
          f"USS {median(project, 'USS'):.0f} MB, PSS {median(project, 'PSS'):.0f} MB, system.dic {median(project, 'dic'):.0f} MB)")
    return 0 if startup < STARTUP_TARGET and rss < RSS_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
