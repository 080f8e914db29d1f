"""Faults, through the webhook (Flask's test client, the fake Messaging API on loopback):

- LINE's API answering 400 (invalid reply token), 401, 429, 500, hanging past the client
  timeout, or dropping the connection without a response;
- the database going away for a while and coming back (SQLite behind a switch that makes
  every call fail as an unopenable file would, and the real PostgreSQL behind a TCP proxy
  that is cut and restored);
- the FAQ folder missing at start (`faqbot serve`, the Procfile command, `faqbot check`/`ask`).

The end-to-end versions with gunicorn and a worker killed mid-event are in test_faults_e2e.py.
docs/faults.md sums up what the bot does in each case.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from bot import cli
from bot.statements import Executed
from bot.store import Store, StoreUnavailable
from fake_line import Behaviour, FakeLine
from gunicorn_server import launch
from bot.privacy import hash_user
from line_payloads import HASH_SECRET, SECRET, TOKEN, USER_ID, body, post_signed, settle, text_event
from tcp_proxy import TcpProxy

pytestmark = pytest.mark.timeout(60)

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
QUESTION = "山田です。副作用はありますか"  # a name in it: the logs must never show it
URGENT = "山田です。施術のあと息が苦しいです"
PRIVATE = ("山田", "副作用", "息が苦しい")


def replies_to(fake: FakeLine, event: dict) -> list:
    return [r for r in fake.to(REPLY) if r.json["replyToken"] == event["replyToken"]]


def lines(caplog: pytest.LogCaptureFixture, what: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(what)]


def assert_private(caplog: pytest.LogCaptureFixture, *events: dict) -> None:
    for secret in (*PRIVATE, USER_ID, *(e["replyToken"] for e in events)):
        assert secret not in caplog.text


# --- LINE's API failing ------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    behaviour: Behaviour
    error: str  # the classification in the log
    status: int | None  # LINE's HTTP status; None when no response came
    pushed: bool  # whether an urgent reply that failed this way is pushed instead


FAULTS = {
    "400-invalid-reply-token": Fault(Behaviour(400, {"message": "Invalid reply token"}), "invalid-reply-token", 400, True),
    "401": Fault(Behaviour(401, {"message": "Authentication failed. Confirm that the access token in the authorization header is valid."}),
                 "unauthorized", 401, False),
    "429": Fault(Behaviour(429, {"message": "The API rate limit has been exceeded. Try again later."}), "rate-limited", 429, True),
    "500": Fault(Behaviour(500, {"message": "Internal server error"}), "server-error", 500, True),
    "hang": Fault(Behaviour(delay=10), "timeout", None, True),  # past LINE_API_TIMEOUT (0.5 s here)
    "closed": Fault(Behaviour(close=True), "network", None, True),  # the connection dropped, no response
}


@pytest.fixture
def one_worker(make_app: Callable[..., Flask]) -> Flask:
    """One worker thread, so "the next event is answered" means the same thread survived."""
    return make_app(WEBHOOK_WORKERS="1", LINE_API_TIMEOUT="0.5")


@pytest.mark.parametrize("name", FAULTS)
def test_a_failed_reply_is_logged_with_ids_and_the_worker_answers_the_next_event(
    one_worker: Flask, fake_line: FakeLine, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    fault = FAULTS[name]
    fake_line.script(REPLY, fault.behaviour)
    failed, following = text_event(QUESTION), text_event("料金はいくらですか")
    client = one_worker.test_client()
    with caplog.at_level(logging.INFO):
        assert post_signed(client, body(failed)).status_code == 200
        assert post_signed(client, body(following)).status_code == 200
        settle(one_worker, 8)
    (request,) = replies_to(fake_line, failed)
    (answered,) = replies_to(fake_line, following)
    assert answered.status == 200 and fake_line.to(PUSH) == []  # only urgent replies are pushed
    (outcome,) = [m for m in lines(caplog, "event_reply_failed") if f"event_id={failed['webhookEventId']} " in m]
    (api,) = [m for m in lines(caplog, "line_api_failed") if f"event_id={failed['webhookEventId']} " in m]
    assert f"error={fault.error}" in outcome and f"error={fault.error}" in api and "kind=answer" in outcome
    if fault.status is not None:  # LINE answered: its x-line-request-id is in both lines
        assert f"line_status={fault.status}" in outcome and f"request_id={request.request_id}" in outcome
        assert f"status={fault.status}" in api and f"request_id={request.request_id}" in api
    else:
        assert "request_id=" not in outcome and "line_status=" not in outcome
    assert any(f"event_id={following['webhookEventId']} " in m for m in lines(caplog, "event_replied"))
    assert lines(caplog, "job_failed") == []
    assert_private(caplog, failed, following)


@pytest.mark.parametrize("name", FAULTS)
def test_an_urgent_reply_that_failed_is_pushed_once_under_one_retry_key(
    one_worker: Flask, fake_line: FakeLine, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    fault = FAULTS[name]
    fake_line.script(REPLY, fault.behaviour)
    fake_line.script(PUSH, Behaviour(503, {"message": "Service unavailable"}))  # the push's first try fails too
    urgent = text_event(URGENT)
    with caplog.at_level(logging.INFO):
        assert post_signed(one_worker.test_client(), body(urgent)).status_code == 200
        settle(one_worker, 8)
    (reply,) = replies_to(fake_line, urgent)
    pushes = fake_line.to(PUSH)
    if not fault.pushed:
        # A refused access token would refuse the push too: logged for the operator instead.
        assert pushes == [] and lines(caplog, f"event_reply_failed event_id={urgent['webhookEventId']} ")
        return
    assert [p.status for p in pushes] == [503, 200]
    assert len({p.headers["x-line-retry-key"] for p in pushes}) == 1  # LINE sends it at most once
    assert all((p.json["to"], p.json["messages"]) == (USER_ID, reply.json["messages"]) for p in pushes), pushes[0].json.keys()
    (outcome,) = lines(caplog, f"event_pushed event_id={urgent['webhookEventId']} ")
    assert f"error={fault.error}" in outcome and "kind=urgent" in outcome and "push_attempts=2" in outcome
    assert f"push_request_id={pushes[-1].request_id}" in outcome
    assert_private(caplog, urgent)


# --- the database unavailable for a while ------------------------------------------------


class SwitchedStore(Store):
    """SQLite whose every call fails, as an unopenable file would, while `down` is set."""

    def __init__(self, url: str, down: threading.Event) -> None:
        super().__init__(url)
        self.down = down

    @contextmanager
    def _connection(self) -> Iterator[sa.Connection]:
        if self.down.is_set():
            raise StoreUnavailable("database unavailable (OperationalError: unable to open database file)")
        with super()._connection() as conn:
            yield conn

    def _run(self, name: str, *, write: bool = True, **params: Any) -> Executed:
        if self.down.is_set():
            raise StoreUnavailable("database unavailable (OperationalError: unable to open database file)")
        return super()._run(name, write=write, **params)

    def healthy(self) -> bool:
        return not self.down.is_set() and super().healthy()


@dataclass
class Database:
    """Stores on one database (as two workers have), and a way to take it away and back."""

    store: Callable[[], Store]
    cut: Callable[[], None]
    restore: Callable[[], None]


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        down = threading.Event()
        url = f"sqlite:///{tmp_path / 'switched.sqlite3'}"
        yield Database(lambda: SwitchedStore(url, down), down.set, down.clear)
        return
    url, schema = request.getfixturevalue("pg_schema")
    real = sa.engine.make_url(url)
    proxy = TcpProxy((real.host or "127.0.0.1", real.port or 5432)).start()
    through = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        yield Database(lambda: Store(through, schema=schema, connect_timeout=2), proxy.cut, proxy.restore)
    finally:
        proxy.stop()


def test_the_bot_answers_through_a_database_outage_and_healthz_tells(
    make_app: Callable[..., Flask], fake_line: FakeLine, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    """What an outage costs, and what it does not: every message is answered; the question log,
    handoff silence and shared de-duplication pause (dedup fails open) and resume by themselves."""
    worker, other_worker = make_app(store=database.store()), make_app(store=database.store())

    def say(app: Flask, event: dict) -> dict:
        assert post_signed(app.test_client(), body(event)).status_code == 200
        settle(app, 10)
        return event

    def health(app: Flask) -> dict:
        response = app.test_client().get("/healthz")
        assert response.status_code == 200  # degraded is still serving: a restart would not help
        return response.json

    before = say(worker, text_event("副作用はありますか"))
    assert (health(worker)["status"], health(worker)["database"]) == ("ok", "ok")

    database.cut()
    with caplog.at_level(logging.INFO):
        during = health(worker)
        assert (during["status"], during["database"]) == ("degraded", "unavailable")
        assert any("database unavailable" in note for note in during["notes"])
        events = [say(worker, text_event(q)) for q in ("ダウンタイムは?", URGENT, "スタッフと話したい")]
        for event in events:
            (reply,) = replies_to(fake_line, event)
            assert reply.status == 200
        (handoff,) = replies_to(fake_line, events[2])
        # The handoff could not be recorded: the reply gives the clinic's contact without promising a pause.
        assert "自動応答を止め" not in json.dumps(handoff.json, ensure_ascii=False)
        # Redelivered during the outage: the worker that answered remembers it; another one
        # cannot ask the database, so it answers again (fail open: twice beats never).
        say(worker, dict(events[0], deliveryContext={"isRedelivery": True}))
        assert len(replies_to(fake_line, events[0])) == 1
        say(other_worker, dict(events[0], deliveryContext={"isRedelivery": True}))
        assert len(replies_to(fake_line, events[0])) == 2
    for event in events:
        assert any(f"event {event['webhookEventId']}: cannot record it as handled (database unavailable" in m
                   for m in (r.getMessage() for r in caplog.records))
    assert lines(caplog, "job_failed") == [] and lines(caplog, "event_answer_failed") == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []

    database.restore()
    assert (health(worker)["status"], health(worker)["database"]) == ("ok", "ok")
    after = say(worker, text_event("料金はいくらですか"))
    say(other_worker, dict(after, deliveryContext={"isRedelivery": True}))
    assert len(replies_to(fake_line, after)) == 1  # shared de-duplication is back
    now = datetime.now(timezone.utc)
    logged = worker.extensions["faqbot"].store.questions(now - timedelta(hours=1), now + timedelta(hours=1))
    # Before and after: what was asked during the outage never reached the log.
    assert len(logged) == 2 and {r.user_hash for r in logged} == {hash_user(USER_ID, HASH_SECRET)}
    final = say(worker, text_event("副作用はありますか"))  # no handoff was recorded: the bot still answers
    assert [r.status for r in replies_to(fake_line, before) + replies_to(fake_line, final)] == [200, 200]


# --- the FAQ folder missing at start -----------------------------------------------------


@pytest.fixture
def no_exec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list:
    calls: list = []
    monkeypatch.setattr(cli, "exec_web", lambda argv, cwd: calls.append(argv))
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "USER_HASH_SECRET", "FAQ_DIR"):
        monkeypatch.delenv(name, raising=False)
    return calls


def test_faqbot_serve_refuses_a_missing_faq_folder_in_one_line(no_exec: list, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "faq"
    result = CliRunner().invoke(cli.main, ["serve"], env={"FAQ_DIR": str(missing)})
    assert result.exit_code == 1 and no_exec == []
    assert result.output.splitlines() == [f"Error: FAQ directory not found: {missing} (set FAQ_DIR to the folder "
                                          "with entries.yaml, synonyms.yaml and settings.yaml)"]


def test_faqbot_serve_refuses_broken_faq_files_naming_file_and_line(no_exec: list, faq_copy: Path) -> None:
    entries = faq_copy / "entries.yaml"
    entries.write_text(entries.read_text(encoding="utf-8") + "- id: x\n  question: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["serve"], env={"FAQ_DIR": str(faq_copy)})
    assert result.exit_code == 1 and no_exec == []
    assert f"the FAQ files in {faq_copy} have errors (run 'faqbot check')" in result.output
    assert f"{entries}:" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", [["check"], ["ask", "副作用はありますか"]])
def test_faqbot_check_and_ask_name_the_missing_folder(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "nowhere"
    result = CliRunner().invoke(cli.main, [*command, "--faq-dir", str(missing)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert str(missing) in result.output and "not found" in result.output
    assert len([line for line in result.output.splitlines() if str(missing) in line]) == 1


def test_the_procfile_command_exits_at_once_without_the_faq_folder(fake_line: FakeLine, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    started = time.monotonic()
    server = launch(fake_line, tmp_path / "server.log", FAQ_DIR=str(missing))
    try:
        code = server.process.wait(15)
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    output = server.output()
    assert code == 1 and elapsed < 10, (code, elapsed, output)
    assert f"Error: configuration: FAQ directory not found: {missing} (set FAQ_DIR" in output
    assert "Traceback" not in output and "Booting worker" not in output  # refused before any worker
    assert SECRET not in output and TOKEN not in output
