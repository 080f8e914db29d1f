"""The Procfile's production command (gunicorn) on a loopback port, for end-to-end tests.

Each server gets only the environment a test gives it (plus PATH and the like): no LINE,
database or clinic variable of the developer's shell leaks in.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from fake_line import FakeLine
from line_payloads import HASH_SECRET, SECRET, TOKEN, signature

REPO = Path(__file__).resolve().parent.parent
# Variables of the bot: removed from the inherited environment so only the test's values count.
BOT_PREFIXES = ("LINE_", "CLINIC_", "WEBHOOK_", "GUNICORN_", "FAQ_", "PURGE_", "DEDUP_", "EVENT_")
BOT_VARIABLES = {"BOOKING_URL", "MENU_URL", "DATABASE_URL", "DATA_DIR", "USER_HASH_SECRET", "STAFF_NOTIFY_TO",
                 "WEB_CONCURRENCY", "PORT", "LOG_LEVEL"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile_argv(port: int) -> list[str]:
    """The Procfile's web: line with $PORT filled in, bound to loopback instead of 0.0.0.0."""
    (line,) = [l for l in (REPO / "Procfile").read_text().splitlines() if l.startswith("web:")]
    line = line[len("web:"):].replace("$PORT", str(port)).replace("0.0.0.0:", "127.0.0.1:")
    argv = shlex.split(line)
    # The gunicorn installed next to this interpreter (the project's virtualenv).
    argv[0] = shutil.which(argv[0], path=str(Path(sys.executable).parent)) or argv[0]
    return argv


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def post(self, raw: bytes, headers: dict[str, str] | None = None) -> tuple[requests.Response, float]:
        started = time.perf_counter()
        response = requests.post(f"{self.url}/callback", data=raw, headers={"Content-Type": "application/json", **(headers or {})}, timeout=5)
        return response, time.perf_counter() - started

    def post_signed(self, raw: bytes) -> tuple[requests.Response, float]:
        return self.post(raw, {"X-Line-Signature": signature(raw)})

    def health(self) -> dict:
        return requests.get(f"{self.url}/healthz", timeout=5).json()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def launch(fake: FakeLine, log: Path, **env: str) -> Server:
    """Start the Procfile command without waiting for it; `env` adds to (or overrides) the defaults.

    Defaults: LINE credentials pointing at `fake`, the shipped FAQ, SQLite in `<log's folder>/data`.
    """
    port = free_port()
    variables = {k: v for k, v in os.environ.items() if not k.startswith(BOT_PREFIXES) and k not in BOT_VARIABLES}
    variables.update(
        PORT=str(port),
        LINE_CHANNEL_SECRET=SECRET,
        LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
        LINE_API_ENDPOINT=fake.url,
        USER_HASH_SECRET=HASH_SECRET,
        FAQ_DIR=str(REPO / "faq"),
        DATA_DIR=str(log.parent / "data"),
        LOG_LEVEL="INFO",
    )
    variables.update(env)
    with log.open("wb") as out:
        process = subprocess.Popen(procfile_argv(port), cwd=REPO, env=variables, stdout=out, stderr=subprocess.STDOUT)
    return Server(f"http://127.0.0.1:{port}", process, log)


def wait_healthy(server: Server, within: float = 30.0) -> Server:
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {server.process.returncode}:\n{server.output()}")
            try:
                if requests.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                    return server
            except requests.RequestException:  # not listening yet, or the worker is still booting
                pass
            time.sleep(0.05)
        raise AssertionError(f"gunicorn did not become healthy:\n{server.output()}")
    except BaseException:
        server.stop()
        raise


def start_server(fake: FakeLine, log: Path, **env: str) -> Server:
    return wait_healthy(launch(fake, log, **env))


def wait_booted(server: Server, workers: int, within: float = 30.0) -> None:
    """Until every worker has built its app: the first healthy answer only proves one did."""
    deadline = time.monotonic() + within
    while server.output().count("app_started") < workers:
        assert time.monotonic() < deadline, f"{workers} workers did not start:\n{server.output()}"
        assert server.process.poll() is None, server.output()
        time.sleep(0.05)
