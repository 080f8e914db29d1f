"""End to end with the store: the Procfile's gunicorn with two workers (and two instances)
sharing one database, and FAQ edits under a running server.

The servers, the fake Messaging API and the databases are all on loopback; the tests start
and stop them. SQLite lives in a temporary DATA_DIR; PostgreSQL in a schema of its own.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import sqlite3
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa

from bot.answering import Answerer
from bot.faq import files_version
from bot.privacy import hash_user
from fake_line import FakeLine
from gunicorn_server import REPO, Server, launch, wait_booted, wait_healthy
from line_payloads import HASH_SECRET, SECRET, body, text_event

REPLY = "/v2/bot/message/reply"
QUESTION = "副作用はありますか"
NEW_PHRASING = "ネットで順番取りはできますか"  # added to the booking entry by the edit test
BROKEN_YAML = "- id: broken-entry\n  question: [unclosed\n"
RELOAD_BUDGET = 2.0  # seconds from saving a file to answering from it


@pytest.fixture
def fake(module_fake: FakeLine) -> Iterator[FakeLine]:
    module_fake.reset()
    yield module_fake


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a copy of the FAQ (FAQ_DIR) and the SQLite DATA_DIR of the server."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(REPO / "faq", root / "faq")
    return root


@pytest.fixture(scope="module")
def server(module_fake: FakeLine, site: Path) -> Iterator[Server]:
    """The Procfile command with two workers, a watched FAQ copy and SQLite."""
    server = wait_healthy(launch(module_fake, site / "server.log", WEB_CONCURRENCY="2",
                                 FAQ_DIR=str(site / "faq"), DATA_DIR=str(site / "data")))
    wait_booted(server, workers=2)
    yield server
    assert server.stop() == 0, server.output()


def post_at_once(servers: list[Server], raw: bytes) -> list[int]:
    """POST the same signed body to each server from its own thread, released together."""
    barrier = threading.Barrier(len(servers))
    statuses: list[int] = [0] * len(servers)

    def post(index: int) -> None:
        barrier.wait()
        statuses[index] = servers[index].post_signed(raw)[0].status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(servers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return statuses


def handled(servers: list[Server], event_id: str, count: int = 2, within: float = 3.0) -> list[str]:
    """The handler's log lines for `event_id` (one per delivery), once all `count` are written."""
    deadline = time.monotonic() + within
    while True:
        lines = [line for s in servers for line in s.output().splitlines()
                 if "logger=bot.handler" in line and f"event_id={event_id} " in line]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.01)


def outcome_and_pid(line: str) -> tuple[str, str]:
    match = re.search(r"pid=(\d+) (event_\w+) ", line)
    assert match, line
    return match.group(2), match.group(1)


def new_user() -> str:
    return "U" + uuid.uuid4().hex  # a LINE user id: U and 32 hex digits


def sqlite_rows(data_dir: Path, table: str) -> list[tuple]:
    uri = f"file:{data_dir / 'faqbot.sqlite3'}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as conn:
        return conn.execute(f"SELECT * FROM {table}").fetchall()


def files_bytes(directory: Path) -> bytes:
    """The database file with its WAL and shared-memory files: every byte SQLite wrote."""
    return b"".join(path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file())


# --- (a) one reply per event, across workers --------------------------------------------


def test_the_same_event_posted_twice_at_once_is_answered_once_by_two_workers(server: Server, fake: FakeLine, site: Path) -> None:
    users: list[str] = []
    split = 0  # pairs whose two deliveries were taken by different worker processes
    while len(users) < 40 and not (len(users) >= 10 and split >= 3):
        user = new_user()
        event = text_event(QUESTION, source={"type": "user", "userId": user})
        assert post_at_once([server, server], body(event)) == [200, 200]
        users.append(user)
        outcomes = [outcome_and_pid(line) for line in handled([server], event["webhookEventId"])]
        assert sorted(o for o, _ in outcomes) == ["event_duplicate", "event_replied"], outcomes
        split += len({pid for _, pid in outcomes}) == 2
    assert split >= 3, f"only {split} of {len(users)} pairs reached both workers"
    fake.wait_for(len(users), path=REPLY)
    time.sleep(0.3)  # room for a wrong second reply to show up
    tokens = Counter(r.json["replyToken"] for r in fake.to(REPLY))
    assert len(tokens) == len(users) and set(tokens.values()) == {1}

    rows = sqlite_rows(site / "data", "question_log")
    columns = [c[1] for c in sqlite_rows_info(site / "data", "question_log")]
    logged = [dict(zip(columns, row)) for row in rows]
    assert Counter(r["user_hash"] for r in logged) == {hash_user(u, HASH_SECRET): 1 for u in users}
    assert {r["kind"] for r in logged} == {"answer"} and {r["entry_id"] for r in logged} == {"side-effects"}
    assert len(sqlite_rows(site / "data", "processed_events")) >= len(users)
    database, output = files_bytes(site / "data"), server.output()
    dump = json.dumps([list(map(str, r)) for t in ("question_log", "processed_events", "handoff")
                       for r in sqlite_rows(site / "data", t)])
    for user in users:
        assert user.encode() not in database and user not in dump and user not in output
    assert HASH_SECRET not in output and SECRET not in output


def sqlite_rows_info(data_dir: Path, table: str) -> list[tuple]:
    return sqlite_rows(data_dir, f"pragma_table_info('{table}')")


def test_two_instances_on_one_postgresql_answer_a_shared_event_once(
    module_fake: FakeLine, pg_schema: tuple[str, str], tmp_path: Path
) -> None:
    """What a platform with several instances does: each has its own disk, the database is shared."""
    module_fake.reset()
    url, schema = pg_schema
    database_url = f"{url}?options=-csearch_path%3D{schema}"
    servers = [launch(module_fake, tmp_path / f"instance-{i}.log", WEB_CONCURRENCY="1", DATABASE_URL=database_url,
                      DATA_DIR=str(tmp_path / f"disk-{i}")) for i in (1, 2)]
    try:
        for server in servers:
            wait_healthy(server)
        users = []
        for _ in range(6):
            user = new_user()
            event = text_event(QUESTION, source={"type": "user", "userId": user})
            assert post_at_once(servers, body(event)) == [200, 200]
            users.append(user)
            outcomes = sorted(outcome_and_pid(line)[0] for line in handled(servers, event["webhookEventId"]))
            assert outcomes == ["event_duplicate", "event_replied"]
        module_fake.wait_for(len(users), path=REPLY)
        time.sleep(0.3)
        tokens = Counter(r.json["replyToken"] for r in module_fake.to(REPLY))
        assert len(tokens) == len(users) and set(tokens.values()) == {1}
        assert all(s.health()["database"] == "ok" for s in servers)
    finally:
        codes = [server.stop() for server in servers]
    assert codes == [0, 0], [s.output() for s in servers]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            logged = conn.execute(sa.text(f'SELECT user_hash, kind FROM "{schema}".question_log')).all()
            dump = json.dumps([[str(v) for v in row] for table in ("question_log", "processed_events", "handoff")
                               for row in conn.execute(sa.text(f'SELECT * FROM "{schema}".{table}'))])
    finally:
        engine.dispose()
    assert Counter(h for h, _ in logged) == {hash_user(u, HASH_SECRET): 1 for u in users}
    output = "".join(s.output() for s in servers)
    for user in users:
        assert user not in dump and user not in output
    assert not any((tmp_path / f"disk-{i}").exists() for i in (1, 2))  # nothing kept on the instances' disks


# --- (b) FAQ edits under the running server ----------------------------------------------


def ask(server: Server, fake: FakeLine, question: str) -> str:
    """Send `question` as a new event and return the reply's messages as JSON text."""
    event = text_event(question)
    assert server.post_signed(body(event))[0].status_code == 200
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        for request in fake.to(REPLY):
            if request.json["replyToken"] == event["replyToken"]:
                return json.dumps(request.json["messages"], ensure_ascii=False)
        time.sleep(0.01)
    raise AssertionError(f"no reply to {question!r}")


def add_phrasing(path: Path, entry_id: str, phrasing: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index(f"- id: {entry_id}\n")
    at = text.index("  phrasings:\n", start) + len("  phrasings:\n")
    path.write_text(text[:at] + f"    - {phrasing}\n" + text[at:], encoding="utf-8")


def test_an_added_phrasing_is_answered_within_two_seconds_and_a_broken_edit_never_serves(
    server: Server, fake: FakeLine, site: Path, answerer: Answerer
) -> None:
    booking = answerer.knowledge.entry("booking").answer_text(answerer.settings)
    entries = site / "faq" / "entries.yaml"
    assert booking not in ask(server, fake, NEW_PHRASING)
    before = server.health()["faq_version"]

    add_phrasing(entries, "booking", NEW_PHRASING)
    saved = time.monotonic()
    while booking not in ask(server, fake, NEW_PHRASING):
        assert time.monotonic() - saved < RELOAD_BUDGET, "the edit was not answered within 2 s"
        time.sleep(0.05)
    time.sleep(max(0.0, saved + RELOAD_BUDGET - time.monotonic()))
    # By now both workers serve the edit (each request may go to either of them).
    assert all(booking in ask(server, fake, NEW_PHRASING) for _ in range(6))
    edited = files_version(site / "faq")
    health = [server.health() for _ in range(6)]
    assert {h["faq_version"] for h in health} == {edited} != {before}
    assert {h["faq_error"] for h in health} == {None}

    with entries.open("a", encoding="utf-8") as f:
        f.write(BROKEN_YAML)
    broken_at = time.monotonic()
    while server.health()["faq_error"] is None:
        assert time.monotonic() - broken_at < RELOAD_BUDGET, "the broken edit was not reported within 2 s"
        time.sleep(0.05)
    time.sleep(max(0.0, broken_at + RELOAD_BUDGET - time.monotonic()))
    for _ in range(6):
        response = requests.get(f"{server.url}/healthz", timeout=5)
        health = response.json()
        assert response.status_code == 200 and health["status"] == "degraded"
        assert health["faq_version"] == edited  # the last good version
        assert re.fullmatch(rf"{re.escape(str(entries))}:\d+: error: YAML syntax error: .+", health["faq_error"])
    assert all(booking in ask(server, fake, NEW_PHRASING) for _ in range(4))
    assert "FAQ edit rejected" in server.output()
