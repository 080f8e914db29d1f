"""Webhook load: this project against the SDK's echo pattern, side by side, under a fast and a slow LINE API.

Run:  .venv/bin/python bench/webhook_load.py --quick     (about 2 minutes)
      .venv/bin/python bench/webhook_load.py             (the full run in docs/benchmarks.md)

Everything listens on 127.0.0.1 only. For each scenario (the fake Messaging API answers in 5 ms,
then in 1.5 s) and each server in turn, the script starts a fresh fake API and the server under
the project's Procfile command (gunicorn with bot/gunicorn_conf.py, $PORT filled in, bound to
loopback): first this project, then the peer (bench/peer_echo.py) under the same command and
settings with only the app swapped. It warms the server up, then sends correctly signed text
events (unique webhookEventId and replyToken each; the questions of faq/regression.tsv):

  fixed   at a set rate; latency is counted from each event's scheduled time, so a server that
          falls behind is charged for the wait (no coordinated omission);
  full    as fast as a fixed number of connections can go (closed loop).

A separate process sends (Python threads, one keep-alive connection each); every loop is bounded
by an event count and a deadline, and a request that gets no answer within --timeout seconds
(default 2: LINE records a webhook not answered within 2 s as a request_timeout) is an error. The script then waits until the
fake has been quiet for a while, reads each worker's peak RSS (VmHWM), and stops the server.

It prints, per phase and server: webhook acknowledgement latency p50/p99, acks/s, replies the
fake received, replies/s, end-to-end latency (event scheduled or sent -> reply arriving at the
fake) p50/p99, errors, lost and doubled events, and the ratios project/peer; then the checks
and the targets with PASS/FAIL. Exit status 0 when every target passes, 1 otherwise.

Environment: WEB_CONCURRENCY, GUNICORN_THREADS apply to both servers alike; WEBHOOK_WORKERS and
other project settings can be given with --project-env NAME=VALUE.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import math
import multiprocessing
import os
import random
import runpy
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.fake_line_api import FakeMessagingApi  # noqa: E402
from bot.signature import sign  # noqa: E402

SECRET = "bench-channel-secret"
ACCESS_TOKEN = "bench-channel-access-token"
BOOKING_URL = "https://clinic.example.jp/yoyaku?from=line"
PEER_APP = "bench.peer_echo:create_app()"
REPLY_PATH = "/v2/bot/message/reply"
# Inherited variables that would point a server somewhere other than this run's fake and files.
DROPPED_ENV = ("LINE_", "DATABASE_URL", "DATA_DIR", "USER_HASH_SECRET", "FAQ_DIR", "PORT", "BOOKING_URL", "CLINIC_")


@dataclass(frozen=True)
class Phase:
    name: str  # "fixed" or "full"
    events: int  # at most this many events
    seconds: float  # stop sending after this long
    rate: float | None = None  # events/s for "fixed"
    connections: int = 16  # for "full"

    @property
    def label(self) -> str:
        return f"fixed {self.rate:g}/s" if self.rate else f"full x{self.connections}"


@dataclass(frozen=True)
class Scenario:
    name: str
    delay: float  # seconds the fake Messaging API takes to answer
    phases: tuple[Phase, ...]


def fixed(rate: float, seconds: float) -> Phase:
    return Phase("fixed", events=int(rate * seconds), seconds=seconds, rate=rate)


def full(events: int, seconds: float, connections: int = 16) -> Phase:
    return Phase("full", events=events, seconds=seconds, connections=connections)


PROFILES = {
    "quick": (
        Scenario("fast", 0.005, (fixed(40, 8), full(2500, 6))),
        Scenario("slow", 1.5, (fixed(8, 6), full(60, 6))),
    ),
    "full": (
        Scenario("fast", 0.005, (fixed(50, 30), full(15000, 30))),
        Scenario("slow", 1.5, (fixed(8, 20), full(200, 20))),
    ),
}


@dataclass(frozen=True)
class Options:
    timeout: float = 2.0  # seconds the sender waits for a webhook answer
    settle_cap: float = 180.0  # at most this long waiting for replies after a phase
    quiet: float = 1.0  # a phase is over when the fake heard nothing for delay + quiet seconds
    warmup: int = 24  # events sent before measuring
    project_env: dict[str, str] = field(default_factory=dict)
    seed: int = 7


ACK_TARGET = 0.100  # seconds: p99 acknowledgement with the slow API
THROUGHPUT_TARGET = 0.90  # of the peer's, with the fast API


# -- events ----------------------------------------------------------------------------------

def questions() -> list[str]:
    """The staff's regression questions: FAQ, paraphrases, out-of-scope, near misses, urgent."""
    lines = (REPO / "faq" / "regression.tsv").read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t")[0] for line in lines if line.strip()]


@dataclass(frozen=True)
class Event:
    token: str
    body: bytes
    signature: str


def make_events(count: int, rng: random.Random, pool: list[str], users: int = 200) -> list[Event]:
    """Signed webhook bodies, one text event each, as LINE sends them."""
    user_ids = ["U" + uuid.UUID(int=rng.getrandbits(128)).hex for _ in range(users)]
    events = []
    for _ in range(count):
        token = uuid.UUID(int=rng.getrandbits(128)).hex
        now = int(time.time() * 1000)
        event = {
            "type": "message",
            "mode": "active",
            "timestamp": now,
            "source": {"type": "user", "userId": rng.choice(user_ids)},
            "webhookEventId": "01" + uuid.UUID(int=rng.getrandbits(128)).hex[:24].upper(),
            "deliveryContext": {"isRedelivery": False},
            "replyToken": token,
            "message": {"id": str(rng.getrandbits(60)), "type": "text", "quoteToken": uuid.uuid4().hex, "text": rng.choice(pool)},
        }
        body = json.dumps({"destination": "U" + "f" * 32, "events": [event]}, ensure_ascii=False).encode("utf-8")
        events.append(Event(token, body, sign(SECRET, body)))
    return events


def scenario_events(scenario: Scenario, options: Options, pool: list[str]) -> tuple[list[Event], list[list[Event]]]:
    """The warm-up events and each phase's: ids and reply tokens unique across every scenario of a run."""
    rng = random.Random(f"{options.seed}:{scenario.name}")
    return make_events(options.warmup, rng, pool), [make_events(phase.events, rng, pool) for phase in scenario.phases]


# -- the load generator (runs in its own process) -----------------------------------------------

@dataclass
class Shot:
    start: float  # scheduled time (fixed rate) or first send (full speed), time.monotonic()
    done: float  # when the last attempt ended
    status: int | None  # of the last attempt; None: no HTTP answer
    error: str | None = None
    refused: int = 0  # 503 answers before the last attempt, each followed by Retry-After and a resend
    waits: list[tuple[float, bool]] = field(default_factory=list)  # each attempt: seconds to answer, timed out


def send_all(port: int, events: list[tuple[bytes, str]], phase: Phase, timeout: float) -> list[Shot | None]:
    """Post `events` to 127.0.0.1:`port`/callback; one Shot per event (None when never sent).

    A 503 is retried with the same body after its Retry-After, as LINE's redelivery would (only
    sooner), until the phase's deadline; anything else is final.
    """
    shots: list[Shot | None] = [None] * len(events)
    indexes = itertools.count()
    started = time.monotonic() + 0.05
    deadline = started + phase.seconds
    if phase.rate:
        # Enough connections that the schedule, not a free connection, decides when an event goes.
        threads = max(4, min(256, math.ceil(phase.rate * (timeout + 0.5)) + 2))
    else:
        threads = phase.connections

    def loop() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        last_used = 0.0
        while True:
            i = next(indexes)
            if i >= len(events):
                break
            if phase.rate:
                due = started + i / phase.rate
                if due > deadline:
                    break
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            elif time.monotonic() > deadline:
                break
            body, signature = events[i]
            shot = Shot(due if phase.rate else time.monotonic(), 0.0, None)
            shots[i] = shot
            while True:
                if last_used and time.monotonic() - last_used > 3.0:
                    connection.close()  # gunicorn closes kept-alive connections idle for 5 s
                sent = time.monotonic()
                since = shot.start if not shot.waits else sent
                retry_after = None
                try:
                    connection.request("POST", "/callback", body=body, headers={"Content-Type": "application/json", "X-Line-Signature": signature})
                    response = connection.getresponse()
                    response.read()
                    shot.status, shot.error = response.status, None
                    if response.status == 503:
                        retry_after = float(response.getheader("Retry-After") or 1)
                    if response.will_close:
                        connection.close()
                except TimeoutError:
                    shot.status, shot.error = None, "timeout"
                    connection.close()
                except (OSError, http.client.HTTPException) as exc:
                    shot.status, shot.error = None, type(exc).__name__
                    connection.close()
                last_used = shot.done = time.monotonic()
                shot.waits.append((shot.done - since, shot.error == "timeout"))
                if retry_after is None or shot.done + retry_after > deadline:
                    break
                shot.refused += 1
                time.sleep(retry_after)
        connection.close()

    workers = [threading.Thread(target=loop, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(phase.seconds + timeout + 10)
    return shots


def _client_process(pipe, port: int, events: list[tuple[bytes, str]], phase: Phase, timeout: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and ends this process
    shots = send_all(port, events, phase, timeout)
    try:
        pipe.send(shots)
    except OSError:
        pass  # the parent was interrupted and went away
    pipe.close()


def run_load(port: int, events: list[Event], phase: Phase, timeout: float) -> list[Shot | None]:
    """`send_all` in a separate process, so the fake API in this one does not compete for its GIL."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_client_process, args=(sender, port, [(e.body, e.signature) for e in events], phase, timeout), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(phase.seconds + timeout + 60):
            raise RuntimeError("the load generator did not finish in time")
        return receiver.recv()
    except EOFError:
        raise RuntimeError("the load generator died; see its traceback above") from None
    except BaseException:
        process.kill()  # interrupted: no point letting it finish
        raise
    finally:
        receiver.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join(5)


# -- servers ---------------------------------------------------------------------------------

def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def procfile_argv(port: int, app: str | None = None) -> list[str]:
    """The Procfile's web: command, $PORT filled in, bound to loopback; optionally another app."""
    (line,) = [l for l in (REPO / "Procfile").read_text().splitlines() if l.startswith("web:")]
    argv = shlex.split(line[len("web:"):].replace("$PORT", str(port)))
    argv = [a.replace("0.0.0.0:", "127.0.0.1:") for a in argv]
    argv[0] = shutil.which(argv[0], path=str(Path(sys.executable).parent)) or argv[0]
    if app is not None:
        argv[-1] = app  # the app spec is the command's last argument
    return argv


def gunicorn_settings() -> dict[str, object]:
    """What bot/gunicorn_conf.py resolves to in this environment (both servers get it)."""
    conf = runpy.run_path(str(REPO / "bot" / "gunicorn_conf.py"))
    return {k: conf.get(k) for k in ("workers", "worker_class", "threads", "timeout", "keepalive")}


def machine() -> str:
    """One line on where and with what this ran, for the record."""
    from importlib.metadata import version

    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    return (f"{time.strftime('%Y-%m-%d %H:%M %Z')}; {os.cpu_count()} cores ({cpu}); Python {sys.version.split()[0]}; "
            f"gunicorn {version('gunicorn')}, Flask {version('flask')}, line-bot-sdk {version('line-bot-sdk')}")


def server_env(port: int, api_url: str, workdir: Path, extra: dict[str, str]) -> dict[str, str]:
    """`workdir` is this server run's own: its database starts empty (no event id seen before)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED_ENV)}
    env.update(
        PORT=str(port),
        LINE_CHANNEL_SECRET=SECRET,
        LINE_CHANNEL_ACCESS_TOKEN=ACCESS_TOKEN,
        LINE_API_ENDPOINT=api_url,
        BOOKING_URL=BOOKING_URL,
        FAQ_DIR=str(REPO / "faq"),
        DATA_DIR=str(workdir / "data"),
        USER_HASH_SECRET=secrets.token_hex(16),
        LOG_LEVEL="INFO",
    )
    env.update(extra)
    return env


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int
    process: subprocess.Popen | None = None
    startup: float | None = None  # seconds from start to the first /healthz 200
    ready_rss: dict[int, float] = field(default_factory=dict)  # worker pid -> VmRSS MB when ready

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, within: float = 60.0) -> "Server":
        with self.log.open("wb") as out:
            began = time.monotonic()
            # A session of its own: Ctrl-C in the terminal reaches this script, which stops it.
            self.process = subprocess.Popen(self.argv, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = began + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        self.startup = time.monotonic() - began
                        self.ready_rss = {pid: proc_status_mb(pid, "VmRSS") for pid in self.workers()}
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.02)
        raise RuntimeError(f"{self.name}: no /healthz 200 within {within:.0f} s; see {self.log}")

    def workers(self) -> list[int]:
        if self.process is None:
            return []
        return children(self.process.pid)

    def peak_rss(self) -> dict[int, float]:
        """VmHWM (peak resident set) of each gunicorn worker, in MB."""
        return {pid: proc_status_mb(pid, "VmHWM") for pid in self.workers()}

    def cpu_seconds(self) -> float:
        """User + system CPU time the workers have used so far (all their threads)."""
        return sum(proc_cpu_seconds(pid) for pid in self.workers())

    def pending(self) -> int | None:
        """Events queued in the project's workers (its /healthz says); None for the peer."""
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return json.loads(response.read()).get("pending")
        except (ValueError, AttributeError, OSError):
            return None

    def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(35)  # gunicorn's graceful_timeout is 25 s
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # its own session: the master and its workers
            process.wait(5)


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def proc_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def proc_status_mb(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return float("nan")


# -- measuring -------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


@dataclass
class Result:
    server: str
    scenario: str
    phase: Phase
    sent: int
    acked: int
    errors: dict[str, int]
    ack_p50: float
    ack_p99: float
    ack_censored: bool  # p99 is a request that timed out: the real value is higher
    acks_per_s: float
    replies: int  # events of this phase that got at least one reply
    replies_per_s: float
    e2e_p50: float
    e2e_p99: float
    lost: int  # acknowledged with 200, never answered
    doubled: int  # answered more than once
    unacked_answered: int  # not acknowledged (timeout, error), answered all the same
    refused: int  # 503 answers that were retried
    cpu_ms: float  # worker CPU time per answered event, webhook requests included
    load: float  # the machine's 1-minute load average when the phase ended
    peak_rss: float = float("nan")

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def settle(fake: FakeMessagingApi, server: Server, expected: set[str], quiet: float, cap: float) -> None:
    """Wait for every expected reply, then until the fake has been quiet for `quiet` seconds."""
    deadline = time.monotonic() + cap
    while time.monotonic() < deadline:
        got = {a.reply_token for a in fake.arrivals()}
        last = fake.last_arrival() or 0.0
        idle = time.monotonic() - last
        if expected <= got and idle >= quiet and server.pending() in (0, None):
            return
        time.sleep(0.1)


def measure(server: Server, fake: FakeMessagingApi, scenario: Scenario, phase: Phase, events: list[Event], options: Options) -> Result:
    fake.clear()
    cpu = server.cpu_seconds()
    shots = run_load(server.port, events, phase, options.timeout)
    sent = [(e, s) for e, s in zip(events, shots) if s is not None]
    acked = {e.token for e, s in sent if s.status == 200}
    settle(fake, server, acked, quiet=scenario.delay + options.quiet, cap=options.settle_cap)
    cpu = server.cpu_seconds() - cpu
    replies: dict[str, list[float]] = {}
    for arrival in fake.arrivals():
        if arrival.path == REPLY_PATH and arrival.reply_token:
            replies.setdefault(arrival.reply_token, []).append(arrival.at)
    start = min((s.start for _, s in sent), default=0.0)
    errors: dict[str, int] = {}
    for _, s in sent:
        if s.status != 200:
            kind = s.error or f"http-{s.status}"
            errors[kind] = errors.get(kind, 0) + 1
    latencies = sorted(wait for _, s in sent for wait in s.waits)
    ack_p99_index = min(len(latencies) - 1, max(0, math.ceil(0.99 * len(latencies)) - 1)) if latencies else 0
    e2e = [min(replies[e.token]) - s.start for e, s in sent if e.token in replies]
    answered = [min(replies[e.token]) for e, _ in sent if e.token in replies]
    last_ack = max((s.done for _, s in sent if s.status == 200), default=start)
    return Result(
        server=server.name,
        scenario=scenario.name,
        phase=phase,
        sent=len(sent),
        acked=len(acked),
        errors=errors,
        ack_p50=percentile([d for d, _ in latencies], 50),
        ack_p99=latencies[ack_p99_index][0] if latencies else float("nan"),
        ack_censored=bool(latencies) and latencies[ack_p99_index][1],
        acks_per_s=len(acked) / (last_ack - start) if last_ack > start else float("nan"),
        replies=len(answered),
        replies_per_s=len(answered) / (max(answered) - start) if answered else 0.0,
        e2e_p50=percentile(e2e, 50),
        e2e_p99=percentile(e2e, 99),
        lost=sum(1 for token in acked if token not in replies),
        doubled=sum(1 for e, _ in sent if len(replies.get(e.token, ())) > 1),
        unacked_answered=sum(1 for e, s in sent if s.status != 200 and e.token in replies),
        refused=sum(s.refused for _, s in sent),
        cpu_ms=cpu * 1000 / len(answered) if answered else float("nan"),
        load=os.getloadavg()[0],
    )


def warm_up(server: Server, fake: FakeMessagingApi, events: list[Event], timeout: float) -> None:
    """A few events one after another, so thread-local tokenizers and connection pools exist."""
    run_load(server.port, events, Phase("fixed", len(events), seconds=len(events) / 10 + 1, rate=10), timeout + 5)
    settle(fake, server, {e.token for e in events}, quiet=0.3, cap=30)
    fake.clear()


@dataclass
class ServerRun:
    results: list[Result]
    startup: float
    ready_rss: float
    peak_rss: float
    workers: int


def run_server(name: str, argv_app: str | None, scenario: Scenario, event_sets: list[list[Event]], warm: list[Event],
               workdir: Path, options: Options, extra_env: dict[str, str]) -> ServerRun:
    fake = FakeMessagingApi(delay=scenario.delay).start()
    port = free_port()
    rundir = workdir / f"{name}-{scenario.name}"
    rundir.mkdir()
    log = workdir / f"{name}-{scenario.name}.log"
    server = Server(name, procfile_argv(port, argv_app), server_env(port, fake.url, rundir, extra_env), log, port)
    try:
        server.start()
        if warm:
            warm_up(server, fake, warm, options.timeout)
        results = [measure(server, fake, scenario, phase, events, options) for phase, events in zip(scenario.phases, event_sets)]
        peak = server.peak_rss()
        worst = max(peak.values(), default=float("nan"))
        for result in results:
            result.peak_rss = worst
        return ServerRun(results, server.startup or float("nan"), max(server.ready_rss.values(), default=float("nan")), worst, len(peak))
    finally:
        server.stop()
        fake.stop()


# -- reporting -------------------------------------------------------------------------------

def ms(seconds: float, censored: bool = False) -> str:
    if math.isnan(seconds):
        return "-"
    return (">" if censored else "") + (f"{seconds * 1000:.0f}" if seconds >= 0.1 else f"{seconds * 1000:.1f}")


def ratio(a: float, b: float) -> str:
    if math.isnan(a) or math.isnan(b) or b == 0:
        return "-"
    value = a / b
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


HEADER = (f"{'phase':<13}{'server':<9}{'sent':>6}{'200':>6}{'err':>5}{'ack p50':>9}{'ack p99':>9}{'acks/s':>8}"
          f"{'replies':>8}{'rep/s':>7}{'e2e p50':>9}{'e2e p99':>9}{'lost':>5}{'2x':>4}{'CPU ms':>7}{'RSS MB':>8}")


def row(label: str, r: Result) -> str:
    return (f"{label:<13}{r.server:<9}{r.sent:>6}{r.acked:>6}{r.error_count:>5}{ms(r.ack_p50):>9}{ms(r.ack_p99, r.ack_censored):>9}"
            f"{r.acks_per_s:>8.1f}{r.replies:>8}{r.replies_per_s:>7.1f}{ms(r.e2e_p50):>9}{ms(r.e2e_p99):>9}{r.lost:>5}{r.doubled:>4}{r.cpu_ms:>7.2f}{r.peak_rss:>8.0f}")


def ratio_row(p: Result, q: Result) -> str:
    return (f"{'':<13}{'ratio':<9}{'':>6}{'':>6}{'':>5}{ratio(p.ack_p50, q.ack_p50):>9}{ratio(p.ack_p99, q.ack_p99):>9}"
            f"{ratio(p.acks_per_s, q.acks_per_s):>8}{'':>8}{ratio(p.replies_per_s, q.replies_per_s):>7}"
            f"{ratio(p.e2e_p50, q.e2e_p50):>9}{ratio(p.e2e_p99, q.e2e_p99):>9}{'':>5}{'':>4}{ratio(p.cpu_ms, q.cpu_ms):>7}{ratio(p.peak_rss, q.peak_rss):>8}")


def report(scenario: Scenario, project: ServerRun, peer: ServerRun) -> list[str]:
    lines = [f"Scenario {scenario.name}: the fake Messaging API answers in {scenario.delay * 1000:g} ms", HEADER]
    for p, q in zip(project.results, peer.results):
        lines += [row(p.phase.label, p), row("", q), ratio_row(p, q)]
    for r in project.results + peer.results:
        if r.errors or r.unacked_answered or r.refused:
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(r.errors.items()))
            lines.append(f"  {r.server} {r.phase.label}: errors: {kinds or 'none'}; answered although not acknowledged: {r.unacked_answered}; "
                         f"503 busy then resent after Retry-After: {r.refused}")
    loads = ", ".join(f"{r.server} {r.phase.label} {r.load:.1f}" for r in project.results + peer.results)
    lines.append(f"  load average (1 min) as each phase ended, {os.cpu_count()} cores: {loads}")
    lines.append(f"  startup to /healthz 200: project {project.startup:.2f} s, peer {peer.startup:.2f} s; "
                 f"worker RSS when ready: project {project.ready_rss:.0f} MB, peer {peer.ready_rss:.0f} MB; "
                 f"peak RSS per worker: project {project.peak_rss:.0f} MB, peer {peer.peak_rss:.0f} MB (ratio {ratio(project.peak_rss, peer.peak_rss)})")
    return lines


def checks(runs: dict[str, dict[str, ServerRun]]) -> tuple[list[str], bool]:
    lines, passed = [], True

    def target(ok: bool, text: str) -> None:
        nonlocal passed
        passed &= ok
        lines.append(f"{'PASS' if ok else 'FAIL'}  {text}")

    for scenario, pair in runs.items():
        for name, run in pair.items():
            for r in run.results:
                what = "every event acknowledged with 200" if name == "project" else "every event that got a 200"
                lines.append(f"check {scenario}/{r.phase.label}/{name}: {what} answered once: "
                             f"{'yes' if r.lost == 0 else f'NO, {r.lost} lost'}; answered twice: {r.doubled}")
    slow, fast = runs.get("slow"), runs.get("fast")
    if slow:
        for p, q in zip(slow["project"].results, slow["peer"].results):
            target(p.ack_p99 < ACK_TARGET, f"slow API, {p.phase.label}: project p99 acknowledgement {ms(p.ack_p99)} ms < {ACK_TARGET * 1000:.0f} ms "
                                            f"(the peer's: {ms(q.ack_p99, q.ack_censored)} ms)")
    if fast:
        p = next(r for r in fast["project"].results if r.phase.name == "full")
        q = next(r for r in fast["peer"].results if r.phase.name == "full")
        share = p.replies_per_s / q.replies_per_s if q.replies_per_s else float("nan")
        target(share >= THROUGHPUT_TARGET, f"fast API: project throughput {p.replies_per_s:.1f} answered events/s = {share:.0%} of the peer's "
                                            f"{q.replies_per_s:.1f} (>= {THROUGHPUT_TARGET:.0%}; acks/s {p.acks_per_s:.0f} vs {q.acks_per_s:.0f})")
    for scenario, pair in runs.items():
        results = pair["project"].results
        target(all(r.lost == 0 and r.doubled == 0 for r in results),
               f"{scenario} API: project lost {sum(r.lost for r in results)} and answered twice {sum(r.doubled for r in results)} events")
    return lines, passed


# -- main ------------------------------------------------------------------------------------

def parse_env(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--project-env wants NAME=VALUE, got {pair!r}")
        env[name] = value
    return env


def run(scenarios: tuple[Scenario, ...], options: Options, *, title: str = "", out=print) -> tuple[dict[str, dict[str, ServerRun]], bool]:
    """Every scenario against the project, then the peer; prints the tables, checks and targets."""
    settings = gunicorn_settings()
    out(machine())
    out(f"webhook load{title}: {os.cpu_count()} cores; both servers: {shlex.join(procfile_argv(0)[1:-1])} "
        f"(workers={settings['workers']}, worker_class={settings['worker_class']}, threads={settings['threads']}); "
        f"client timeout {options.timeout:g} s" + (f"; project env {options.project_env}" if options.project_env else ""))
    pool = questions()
    runs: dict[str, dict[str, ServerRun]] = {}
    with tempfile.TemporaryDirectory(prefix="webhook-load-") as tmp:
        workdir = Path(tmp)
        for scenario in scenarios:
            warm, event_sets = scenario_events(scenario, options, pool)
            pair = {}
            for name, app, env in (("project", None, options.project_env), ("peer", PEER_APP, {})):
                out(f"  {scenario.name}: {name} ...")
                pair[name] = run_server(name, app, scenario, event_sets, warm, workdir, options, env)
            runs[scenario.name] = pair
            out("")
            for line in report(scenario, pair["project"], pair["peer"]):
                out(line)
            out("")
    lines, passed = checks(runs)
    for line in lines:
        out(line)
    return runs, passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter phases: finishes in under 3 minutes on 2 cores")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds the sender waits for a webhook answer (default 2)")
    parser.add_argument("--scenario", choices=("fast", "slow"), action="append", help="run only this scenario (default: both)")
    parser.add_argument("--project-env", action="append", default=[], metavar="NAME=VALUE", help="extra environment for the project only, e.g. WEBHOOK_WORKERS=16")
    args = parser.parse_args(argv)

    def interrupted(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)  # servers are stopped in `finally` blocks either way
    profile = "quick" if args.quick else "full"
    started = time.monotonic()
    try:
        scenarios = tuple(s for s in PROFILES[profile] if not args.scenario or s.name in args.scenario)
        options = Options(timeout=args.timeout, settle_cap=60 if args.quick else 180, project_env=parse_env(args.project_env))
        _, passed = run(scenarios, options, title=f" ({profile})")
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    except RuntimeError as exc:  # a server that would not start, a sender that hung
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"finished in {time.monotonic() - started:.0f} s")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
