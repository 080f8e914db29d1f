"""Faults end to end: the Procfile's gunicorn (two workers, SQLite in a temporary DATA_DIR)
against the fake Messaging API, which keeps LINE's rule that a reply token works once.

- LINE's API failing in each way it can: the worker logs it with the event id (and LINE's
  x-line-request-id) and answers the next event; an urgent reply that failed is pushed.
- A worker SIGKILLed while it waits on LINE for an event's reply, then LINE redelivering
  that event (same webhookEventId, isRedelivery true). See the two tests' docstrings for
  what happens to the event.

Everything listens on loopback ports chosen at run time; the tests start and stop it all.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from typing import Iterator

import pytest

from fake_line import Behaviour, FakeLine, Recorded
from gunicorn_server import Server, launch, wait_booted, wait_healthy
from line_payloads import USER_ID, body, text_event

pytestmark = pytest.mark.timeout(90)

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
LEASE = 3.0  # EVENT_LEASE_SECONDS of this server: short, so a test can outlive it
API_TIMEOUT = 2.0  # LINE_API_TIMEOUT: the "hang" fault costs this long


@pytest.fixture(scope="module")
def module_fake() -> Iterator[FakeLine]:
    fake = FakeLine(single_use_reply_tokens=True).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(module_fake: FakeLine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    site = tmp_path_factory.mktemp("faults")
    server = wait_healthy(launch(module_fake, site / "server.log", WEB_CONCURRENCY="2", DATA_DIR=str(site / "data"),
                                 EVENT_LEASE_SECONDS=str(LEASE), LINE_API_TIMEOUT=str(API_TIMEOUT),
                                 LINE_PUSH_BACKOFF="0.05"))
    wait_booted(server, workers=2)
    yield server
    assert server.stop() == 0, server.output()


@pytest.fixture
def fake(module_fake: FakeLine) -> Iterator[FakeLine]:
    module_fake.reset()
    yield module_fake


def replies_to(fake: FakeLine, event: dict) -> list[Recorded]:
    return [r for r in fake.to(REPLY) if r.json["replyToken"] == event["replyToken"]]


def handled(server: Server, event_id: str, count: int = 1, within: float = 8.0) -> list[str]:
    """The handler's log lines for `event_id` (one per delivery it handled), once `count` are there."""
    deadline = time.monotonic() + within
    while True:
        found = [line for line in server.output().splitlines()
                 if "logger=bot.handler" in line and f" event_id={event_id} " in line]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def outcome(line: str) -> str:
    match = re.search(r" (event_\w+) event_id=", line)
    assert match, line
    return match.group(1)


# --- LINE's API failing -------------------------------------------------------------------

FAULTS = {
    "400-invalid-reply-token": (Behaviour(400, {"message": "Invalid reply token"}), "invalid-reply-token", 400),
    "401": (Behaviour(401, {"message": "Authentication failed"}), "unauthorized", 401),
    "429": (Behaviour(429, {"message": "The API rate limit has been exceeded. Try again later."}), "rate-limited", 429),
    "500": (Behaviour(500, {"message": "Internal server error"}), "server-error", 500),
    "closed": (Behaviour(close=True), "network", None),
    "hang": (Behaviour(delay=30), "timeout", None),
}


@pytest.mark.parametrize("name", FAULTS)
def test_each_failure_of_lines_api_is_logged_and_the_next_event_is_answered(server: Server, fake: FakeLine, name: str) -> None:
    behaviour, error, status = FAULTS[name]
    fake.script(REPLY, behaviour)
    failed = text_event("山田です。副作用はありますか")
    assert server.post_signed(body(failed))[0].status_code == 200
    (line,) = handled(server, failed["webhookEventId"], within=API_TIMEOUT + 6)
    following = text_event("料金はいくらですか")
    assert server.post_signed(body(following))[0].status_code == 200
    (next_line,) = handled(server, following["webhookEventId"])
    assert outcome(line) == "event_reply_failed" and f"error={error} " in line
    if status is not None:
        (request,) = replies_to(fake, failed)
        assert f"line_status={status} " in line and f"request_id={request.request_id} " in line
    assert outcome(next_line) == "event_replied" and replies_to(fake, following)[0].status == 200
    assert fake.to(PUSH) == []
    output = server.output()
    assert "job_failed" not in output and "Traceback" not in output
    for private in ("山田", "副作用", USER_ID, failed["replyToken"]):
        assert private not in output


def test_an_urgent_reply_that_failed_is_pushed_under_one_retry_key(server: Server, fake: FakeLine) -> None:
    fake.script(REPLY, Behaviour(500, {"message": "Internal server error"}))
    fake.script(PUSH, Behaviour(502, {}))
    urgent = text_event("施術のあと息が苦しいです")
    assert server.post_signed(body(urgent))[0].status_code == 200
    (line,) = handled(server, urgent["webhookEventId"])
    pushes = fake.wait_for(2, path=PUSH)
    assert outcome(line) == "event_pushed" and "push_attempts=2 " in line
    assert [p.status for p in pushes] == [502, 200] and len({p.headers["x-line-retry-key"] for p in pushes}) == 1
    assert pushes[0].json["messages"] == replies_to(fake, urgent)[0].json["messages"]


# --- a worker killed mid-event ------------------------------------------------------------


def children(master: int) -> set[int]:
    pids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone while we looked
            continue
        if int(fields[1]) == master:
            pids.add(int(stat.parent.name))
    return pids


def holder(server: Server, request: Recorded) -> int:
    """The gunicorn worker whose socket sent `request` to the fake: /proc/net/tcp by its port."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            columns = row.split()
            if int(columns[1].rsplit(":", 1)[1], 16) == request.peer_port:
                inodes.add(f"socket:[{columns[9]}]")
    for pid in children(server.process.pid):
        try:
            sockets = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
        except OSError:
            continue
        if sockets & inodes:
            return pid
    raise AssertionError(f"no worker holds the connection from port {request.peer_port}")


def kill_the_holder(server: Server, fake: FakeLine, event: dict) -> tuple[int, float]:
    """Deliver `event`, wait until its reply is at the fake, SIGKILL the worker sending it."""
    before = server.output().count("webhook_accepted")
    assert server.post_signed(body(event))[0].status_code == 200
    (request,) = fake.wait_for(1, path=REPLY, answered=False)
    claimed_by = time.monotonic()  # the claim was made before the reply was sent
    pid = holder(server, request)
    accepted = [l for l in server.output().splitlines() if "webhook_accepted" in l][before:]
    assert [f"pid={pid} " in l for l in accepted] == [True]  # the worker that acknowledged it holds it
    os.kill(pid, signal.SIGKILL)
    return pid, claimed_by


def redeliver(server: Server, event: dict) -> None:
    assert server.post_signed(body(dict(event, deliveryContext={"isRedelivery": True})))[0].status_code == 200


def after_the_lease(server: Server, claimed_by: float, workers: int) -> None:
    """Past the killed claim's lease, with gunicorn's replacement worker up."""
    wait_booted(server, workers)
    time.sleep(max(0.0, claimed_by + LEASE + 0.3 - time.monotonic()))


def test_a_worker_killed_after_line_took_its_reply_gives_no_second_reply(server: Server, fake: FakeLine) -> None:
    """The killed worker's claim is in the database, not marked complete.

    A redelivery within the lease (EVENT_LEASE_SECONDS) is skipped as a duplicate: the claim
    might belong to a worker that is merely slow. After the lease the redelivery takes the
    claim over and replies; here LINE had already acted on the first reply, so it refuses the
    used reply token (400) and the patient still has exactly one answer.
    """
    fake.script(REPLY, Behaviour(200, delay=30))  # LINE takes the reply; its answer never arrives
    event = text_event("副作用はありますか")
    booted = server.output().count("app_started")
    pid, claimed_by = kill_the_holder(server, fake, event)

    redeliver(server, event)  # at once: within the lease
    (first,) = handled(server, event["webhookEventId"])
    assert outcome(first) == "event_duplicate" and "redelivery=true " in first and f"pid={pid} " not in first
    assert len(replies_to(fake, event)) == 1

    after_the_lease(server, claimed_by, booted + 1)
    redeliver(server, event)
    lines = handled(server, event["webhookEventId"], count=2)
    assert outcome(lines[1]) == "event_reply_failed" and "error=invalid-reply-token " in lines[1]
    requests = replies_to(fake, event)
    assert len(requests) == 2 and [r.accepted for r in requests] == [True, False]  # one reply reached the patient
    assert fake.to(PUSH) == []  # not urgent: nothing else is sent
    output = server.output()
    assert f"event {event['webhookEventId']}: its claim was never completed" in output
    assert f"Worker (pid:{pid}) was sent SIGKILL" in output


def test_a_worker_killed_before_line_took_its_reply_is_answered_on_redelivery(server: Server, fake: FakeLine) -> None:
    """The killed worker's reply never reached LINE (the connection dropped with it).

    Before claims had a lease, this event was lost: claimed in the database for good, so every
    redelivery was skipped and the patient got no answer. Now the claim, never completed, is
    taken over by the first redelivery after the lease, which replies, once.
    LINE only redelivers an event whose webhook was not acknowledged with a 2xx; the webhook
    acknowledges before the worker answers, so an event acknowledged and then lost with its
    worker is not redelivered at all (and stays unanswered): the lease helps when the
    acknowledgement never reached LINE, or the worker died before sending it.
    """
    fake.script(REPLY, Behaviour(close=True, delay=30))  # LINE never acts on it
    event = text_event("ダウンタイムはありますか")
    booted = server.output().count("app_started")
    pid, claimed_by = kill_the_holder(server, fake, event)

    after_the_lease(server, claimed_by, booted + 1)
    redeliver(server, event)
    (line,) = handled(server, event["webhookEventId"])
    assert outcome(line) == "event_replied" and "redelivery=true " in line and f"pid={pid} " not in line
    requests = replies_to(fake, event)
    assert len(requests) == 2 and [r.accepted for r in requests] == [False, True]
    assert requests[1].status == 200 and [r for r in fake.to(REPLY) if r.accepted] == [requests[1]]
    redeliver(server, event)  # completed now: any later delivery is a duplicate
    assert outcome(handled(server, event["webhookEventId"], count=2)[1]) == "event_duplicate"
    assert len(replies_to(fake, event)) == 2
