"""End to end: the Procfile's production command (gunicorn) against a fake Messaging API.

Both servers listen on loopback ports chosen at run time; the tests start and stop them.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import Iterator

import pytest
import requests

import gunicorn_server
from bot.answering import Answerer
from fake_line import FakeLine
from gunicorn_server import Server
from line_payloads import TOKEN, USER_ID, body, signature, text_event

REPLY = "/v2/bot/message/reply"
BOOKING_URL = "https://clinic.example.jp/yoyaku?from=line"
ACK_BUDGET = 0.2  # seconds the webhook may take to answer, whatever LINE's API does


def start_server(fake: FakeLine, log: Path) -> Server:
    """The shipped FAQ, with the booking URL from the environment; SQLite next to the log."""
    return gunicorn_server.start_server(fake, log, BOOKING_URL=BOOKING_URL)


@pytest.fixture(scope="module")
def server(module_fake: FakeLine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(module_fake, tmp_path_factory.mktemp("gunicorn") / "server.log")
    yield server
    assert server.stop() == 0, server.output()


@pytest.fixture
def fake(module_fake: FakeLine) -> Iterator[FakeLine]:
    module_fake.reset()
    module_fake.delay = 0
    yield module_fake
    module_fake.delay = 0


def quiet_for(fake: FakeLine, seconds: float = 0.3) -> None:
    """Give a (wrongly) triggered request the time to show up at the fake."""
    time.sleep(seconds)


def _strings(value):
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_healthz_reports_the_faq(server: Server, answerer: Answerer) -> None:
    health = requests.get(f"{server.url}/healthz", timeout=5).json()
    last_reload = health.pop("faq_last_reload")
    assert health == {"status": "ok", "faq_entries": len(answerer.knowledge.entries), "faq_version": answerer.version,
                      "faq_error": None, "database": "ok", "line": "configured", "staff_notify": "off", "pending": 0}
    assert last_reload.endswith("+00:00")


def test_a_signed_text_event_gets_exactly_one_reply(server: Server, fake: FakeLine, answerer: Answerer) -> None:
    event = text_event("副作用はありますか")
    response, _ = server.post_signed(body(event))
    assert response.status_code == 200
    (reply,) = fake.wait_for(1, path=REPLY)
    quiet_for(fake)
    assert len(fake.to(REPLY)) == 1
    assert reply.json["replyToken"] == event["replyToken"]
    assert reply.headers["authorization"] == f"Bearer {TOKEN}"
    texts = list(_strings(reply.json["messages"]))
    entry = answerer.knowledge.entry("side-effects")
    assert entry.answer_text(answerer.settings) in texts
    assert answerer.settings.disclaimer in texts
    sent = json.dumps(reply.json["messages"], ensure_ascii=False)
    assert BOOKING_URL in sent  # the environment's booking URL, not the settings file's


def test_a_redelivered_duplicate_gets_no_second_reply(server: Server, fake: FakeLine) -> None:
    event = text_event("料金はいくらですか")
    server.post_signed(body(event))
    fake.wait_for(1, path=REPLY)
    response, _ = server.post_signed(body(dict(event, deliveryContext={"isRedelivery": True})))
    assert response.status_code == 200
    quiet_for(fake)
    assert len(fake.to(REPLY)) == 1


@pytest.mark.parametrize("headers", [{}, {"X-Line-Signature": "d3Jvbmc="}, {"X-Line-Signature": signature(b"other body")}], ids=["missing", "wrong", "other-body"])
def test_a_bad_or_missing_signature_gets_400_and_nothing_reaches_line(server: Server, fake: FakeLine, headers: dict) -> None:
    response, _ = server.post(body(text_event("副作用はありますか")), headers)
    assert response.status_code == 400
    quiet_for(fake)
    assert fake.requests == []


def test_the_verify_request_gets_200(server: Server, fake: FakeLine) -> None:
    response, _ = server.post_signed(b'{"destination":"Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","events":[]}')
    assert response.status_code == 200
    assert fake.requests == []


def test_an_oversized_body_gets_413(server: Server, fake: FakeLine) -> None:
    raw = body(text_event("料金" * 200_000))  # 1.2 MB; the default limit is 1 MB
    assert server.post_signed(raw)[0].status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold while reading
        for start in range(0, len(raw), 65536):
            yield raw[start: start + 65536]

    response = requests.post(f"{server.url}/callback", data=chunks(), headers={"X-Line-Signature": signature(raw)}, timeout=5)
    assert response.status_code == 413
    assert fake.requests == []


def test_with_a_slow_line_api_the_webhook_still_answers_at_once(server: Server, fake: FakeLine) -> None:
    fake.delay = 3.0
    timings = []
    events = [text_event(q) for q in ("副作用はありますか", "ダウンタイムは?", "予約したい")]
    for event in events:
        response, elapsed = server.post_signed(body(event))
        assert response.status_code == 200
        timings.append(elapsed)
    assert max(timings) < ACK_BUDGET, timings
    replies = fake.wait_for(3, path=REPLY, timeout=8)
    assert sorted(r.json["replyToken"] for r in replies) == sorted(e["replyToken"] for e in events)
    assert all(r.status == 200 for r in replies)


def test_logs_hold_no_message_text_or_user_id(server: Server, fake: FakeLine) -> None:
    server.post_signed(body(text_event("山田花子です。ピルを飲んでいますが大丈夫?")))
    fake.wait_for(1, path=REPLY)
    quiet_for(fake, 0.2)
    output = server.output()
    assert "event_replied" in output and "webhook_accepted" in output
    for private in ("山田", "ピル", USER_ID):
        assert private not in output


def test_sigterm_while_line_is_slow_still_delivers_the_reply(module_fake: FakeLine, tmp_path: Path) -> None:
    module_fake.reset()
    module_fake.delay = 3.0
    server = start_server(module_fake, tmp_path / "server.log")
    try:
        event = text_event("副作用はありますか")
        response, elapsed = server.post_signed(body(event))
        assert response.status_code == 200 and elapsed < ACK_BUDGET
        module_fake.wait_for(1, path=REPLY, answered=False)  # the worker is now waiting on LINE
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(20) == 0
        stopped_after = time.monotonic() - started
    finally:
        server.stop()
        module_fake.delay = 0
    (reply,) = [r for r in module_fake.to(REPLY) if r.json["replyToken"] == event["replyToken"]]
    assert reply.status == 200
    output = server.output()
    assert "event_replied" in output and "worker_drained" in output and "complete=true" in output, output
    assert 2.0 < stopped_after < 10, stopped_after  # it waited for LINE, and no longer than needed
