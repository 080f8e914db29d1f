"""The store on SQLite and on the real PostgreSQL: schema, log, retention, dedup, handoff."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa

from bot import store as store_module
from bot.matcher import Candidate
from bot.store import (
    EventClaims,
    PurgeCounts,
    Store,
    StoreUnavailable,
    database_url,
    normalise_url,
)

NOW = datetime(2025, 5, 1, 3, 0, tzinfo=timezone.utc)


def log(store: Store, text: str, *, user: str = "u1", kind: str = "fallback", at: datetime = NOW, **extra) -> None:
    values = {"entry_id": None, "score": 12.5, "candidates": [Candidate("booking", 12.5)]} | extra
    store.log_question(kind=kind, normalised_text=text, user_hash=user, now=at, **values)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db.example:5432/app", "postgresql+psycopg://u:p@db.example:5432/app"),
        ("postgresql://u@host/app", "postgresql+psycopg://u@host/app"),
        ("postgresql+psycopg://u@host/app", "postgresql+psycopg://u@host/app"),
        ("sqlite:////tmp/x.sqlite3", "sqlite:////tmp/x.sqlite3"),
    ],
)
def test_database_urls_platforms_hand_out_are_accepted(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_unsupported_database_url_is_refused() -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        normalise_url("mysql://u@host/db")


def test_sqlite_file_under_data_dir_unless_database_url_is_set(tmp_path: Path) -> None:
    assert database_url({"DATA_DIR": str(tmp_path)}) == f"sqlite:///{tmp_path / 'faqbot.sqlite3'}"
    assert database_url({"DATA_DIR": str(tmp_path), "DATABASE_URL": "postgres://h/db"}) == "postgresql+psycopg://h/db"
    assert database_url({}).endswith("/data/faqbot.sqlite3")


def test_schema_creation_is_idempotent_and_versioned(store: Store) -> None:
    store.create_schema()
    log(store, "ちゅうしゃじょう")
    store.create_schema()
    assert store.schema_version() == store_module.SCHEMA_VERSION
    assert [r.normalised_text for r in store.questions(NOW - timedelta(1), NOW + timedelta(1))] == ["ちゅうしゃじょう"]


def test_a_second_store_on_the_same_database_sees_the_rows(tmp_path: Path) -> None:
    first = Store.from_environment({"DATA_DIR": str(tmp_path)})
    log(first, "しはらい")
    second = Store.from_environment({"DATA_DIR": str(tmp_path)})
    assert len(second.questions(NOW - timedelta(1), NOW + timedelta(1))) == 1
    first.close()
    second.close()


def test_pending_migrations_run_in_order_at_start(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.create_schema()
    table = store._t.version
    with store.engine.begin() as conn:
        conn.execute(table.update().values(version=store_module.SCHEMA_VERSION - 1))
    ran = []
    monkeypatch.setitem(store_module.MIGRATIONS, store_module.SCHEMA_VERSION, lambda conn, tables: ran.append(conn))
    store.create_schema()
    assert len(ran) == 1
    assert store.schema_version() == store_module.SCHEMA_VERSION


def test_question_log_round_trip(store: Store) -> None:
    store.log_question(kind="suggest", entry_id=None, score=48.0, normalised_text="しみにきき", user_hash="abc",
                       candidates=[Candidate("spots-wrinkles", 48.0), ("acne", 41.5)], now=NOW)
    log(store, "answered", kind="answer", entry_id="booking", score=90.0, at=NOW + timedelta(minutes=1))
    rows = store.questions(NOW, NOW + timedelta(hours=1))
    assert [r.kind for r in rows] == ["suggest", "answer"]
    first = rows[0]
    assert first.created_at == NOW and first.created_at.tzinfo is not None
    assert first.candidates == (("spots-wrinkles", 48.0), ("acne", 41.5))
    assert (first.entry_id, first.score, first.normalised_text, first.user_hash) == (None, 48.0, "しみにきき", "abc")
    assert rows[1].entry_id == "booking"
    assert [r.kind for r in store.questions(NOW, NOW + timedelta(hours=1), kinds=["answer"])] == ["answer"]


def test_questions_window_includes_since_and_excludes_until(store: Store) -> None:
    log(store, "before", at=NOW - timedelta(seconds=1))
    log(store, "start", at=NOW)
    log(store, "end", at=NOW + timedelta(hours=1))
    # A Japan-time boundary is the same instant as its UTC equivalent.
    jst = timezone(timedelta(hours=9))
    assert [r.normalised_text for r in store.questions(NOW.astimezone(jst), NOW + timedelta(hours=1))] == ["start"]


def test_kind_counts(store: Store) -> None:
    for kind in ("answer", "answer", "fallback", "urgent"):
        log(store, "x", kind=kind)
    log(store, "old", kind="answer", at=NOW - timedelta(days=40))
    assert store.kind_counts(NOW - timedelta(days=1), NOW + timedelta(days=1)) == {"answer": 2, "fallback": 1, "urgent": 1}


def test_delete_user_removes_only_that_users_rows(store: Store) -> None:
    log(store, "a", user="alice")
    log(store, "b", user="alice")
    log(store, "c", user="bob")
    assert store.delete_user("alice") == 2
    assert store.delete_user("alice") == 0
    assert [r.user_hash for r in store.questions(NOW - timedelta(1), NOW + timedelta(1))] == ["bob"]


def test_purge_deletes_past_retention_old_event_ids_and_ended_handoffs(store: Store) -> None:
    log(store, "old", at=NOW - timedelta(days=91))
    log(store, "recent", at=NOW - timedelta(days=89))
    store.claim_event("old-event", now=NOW - timedelta(days=3))
    store.claim_event("new-event", now=NOW - timedelta(hours=1))
    store.start_handoff("ended", 24, now=NOW - timedelta(days=2))
    store.start_handoff("running", 24, now=NOW - timedelta(hours=1))
    assert store.purge(90, now=NOW) == PurgeCounts(questions=1, events=1, handoffs=1)
    assert [r.normalised_text for r in store.questions(NOW - timedelta(days=365), NOW)] == ["recent"]
    assert store.claim_event("new-event") is False
    assert store.claim_event("old-event") is True  # forgotten after the window
    assert store.handoff_active("running", now=NOW)
    assert store.purge(90, now=NOW) == PurgeCounts(0, 0, 0)


def test_purge_if_due_runs_once_per_period(store: Store) -> None:
    log(store, "ancient", at=datetime.now(timezone.utc) - timedelta(days=400))
    assert store.purge_if_due(90) == PurgeCounts(1, 0, 0)
    log(store, "ancient again", at=datetime.now(timezone.utc) - timedelta(days=400))
    assert store.purge_if_due(90) is None
    assert store.purge_if_due(90, every=timedelta(0)) == PurgeCounts(1, 0, 0)


def test_handoff_starts_extends_expires_and_ends(store: Store) -> None:
    until = store.start_handoff("u", 24, now=NOW)
    assert until == NOW + timedelta(hours=24)
    assert store.handoff_active("u", now=NOW + timedelta(hours=23))
    assert not store.handoff_active("u", now=NOW + timedelta(hours=24))
    assert not store.handoff_active("someone-else", now=NOW)
    store.start_handoff("u", 2, now=NOW + timedelta(hours=30))  # asked again later: a new period
    assert store.handoff_active("u", now=NOW + timedelta(hours=31))
    assert store.end_handoff("u") is True
    assert not store.handoff_active("u", now=NOW + timedelta(hours=31))
    assert store.end_handoff("u") is False


def test_claim_event_is_true_only_the_first_time(store: Store) -> None:
    assert store.claim_event("01HX-event-1") is True
    assert store.claim_event("01HX-event-1") is False
    assert store.claim_event("01HX-event-2") is True
    with pytest.raises(ValueError):
        store.claim_event("")


def test_event_claims_adapter_has_the_dedup_interface(store: Store) -> None:
    claims = EventClaims(store)
    assert claims.claim("e1") is True
    assert claims.claim("e1") is False


def test_event_claims_keep_an_overlong_id_unique(store: Store) -> None:
    claims = EventClaims(store)
    long_a, long_b = "A" * 300, "A" * 299 + "B"
    assert claims.claim(long_a) and claims.claim(long_b)
    assert not claims.claim(long_a) and not claims.claim(long_b)


LEASE = timedelta(seconds=90)


def test_a_claim_never_completed_is_taken_over_after_the_lease(store: Store) -> None:
    assert store.claim_event("E-killed", now=NOW, lease=LEASE) is True  # its worker dies before completing
    assert store.claim_event("E-killed", now=NOW + LEASE - timedelta(seconds=1), lease=LEASE) is False
    assert store.claim_event("E-killed", now=NOW + LEASE, lease=LEASE) is True  # the redelivery gets it
    # The taker holds a fresh lease; without a lease nothing is ever taken over.
    assert store.claim_event("E-killed", now=NOW + LEASE + timedelta(seconds=1), lease=LEASE) is False
    assert store.claim_event("E-killed", now=NOW + timedelta(days=1)) is False


def test_a_completed_claim_is_never_taken_over(store: Store) -> None:
    assert store.claim_event("E-done", now=NOW, lease=LEASE) is True
    assert store.complete_event("E-done", now=NOW + timedelta(seconds=2)) is True
    assert store.claim_event("E-done", now=NOW + timedelta(days=1), lease=LEASE) is False
    assert store.complete_event("E-never-claimed") is False


def claim_at_once(threads: int, claim: Callable[[], bool]) -> list[bool]:
    """Run `claim` in `threads` threads released together; their results."""
    barrier = threading.Barrier(threads)
    results: list[bool] = []
    lock = threading.Lock()

    def run() -> None:
        barrier.wait()
        outcome = claim()
        with lock:
            results.append(outcome)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    return results


def test_an_abandoned_claim_goes_to_exactly_one_of_the_workers_asking_at_once(store: Store) -> None:
    store.create_schema()
    threads = 8
    for round_ in range(3):
        event_id = f"abandoned-{round_}"
        assert store.claim_event(event_id, now=NOW, lease=LEASE)
        results = claim_at_once(threads, lambda: store.claim_event(event_id, now=NOW + 2 * LEASE, lease=LEASE))
        assert sorted(results) == [False] * (threads - 1) + [True]


def test_event_claims_complete_and_take_over_through_the_dedup_interface(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    claims = EventClaims(store, lease=timedelta(seconds=1))
    long_id = "L" * 300
    assert claims.claim("e1") and claims.claim(long_id)
    claims.complete("e1")
    claims.complete(long_id)
    assert store.claim_event("e1", now=datetime.now(timezone.utc) + timedelta(hours=1), lease=timedelta(seconds=1)) is False
    assert claims.claim("e2")
    time.sleep(1.1)  # e2's worker "died": never completed
    with caplog.at_level(logging.WARNING):
        assert claims.claim("e2") is True and claims.claim(long_id) is False
    assert "event e2: its claim was never completed" in caplog.text


def test_event_claims_cannot_complete_while_the_database_is_down(down_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        EventClaims(down_store, lease=LEASE).complete("E1")  # logged, never raised
    assert "event E1: cannot record it as completed (database unavailable" in caplog.text


def test_a_version_1_database_is_migrated_and_its_claims_count_as_completed(store: Store) -> None:
    v1 = sa.MetaData(schema=store._metadata.schema)
    version = sa.Table("schema_version", v1, sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
                       sa.Column("version", sa.Integer, nullable=False))
    events = sa.Table("processed_events", v1, sa.Column("event_id", sa.String(128), primary_key=True),
                      sa.Column("created_at", sa.DateTime, nullable=False, index=True))
    with store.engine.begin() as conn:
        v1.create_all(conn)
        conn.execute(version.insert().values(id=1, version=1))
        conn.execute(events.insert().values(event_id="handled-by-version-1", created_at=NOW.replace(tzinfo=None)))
    store.create_schema()
    store.create_schema()  # a second worker finds it done
    assert store.schema_version() == 2 == store_module.SCHEMA_VERSION
    assert store.claim_event("handled-by-version-1", now=NOW + timedelta(hours=1), lease=LEASE) is False
    assert store.claim_event("new-event", lease=LEASE) is True


def test_concurrent_threads_claiming_one_event_get_exactly_one_true(store: Store) -> None:
    store.create_schema()
    threads = 8
    for round_ in range(5):
        results = claim_at_once(threads, lambda round_=round_: store.claim_event(f"same-event-{round_}"))
        assert sorted(results) == [False] * (threads - 1) + [True]


CLAIMER = """
import json, os, sys, time
from bot.store import Store
url, schema, go, count, ready = sys.argv[1], sys.argv[2] or None, sys.argv[3], int(sys.argv[4]), sys.argv[5]
store = Store(url, schema=schema)
store.create_schema()
store.healthy()
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
print(json.dumps([i for i in range(count) if store.claim_event(f"event-{i}")]))
"""


def test_two_processes_claiming_the_same_events_share_them_exactly(store: Store, tmp_path: Path) -> None:
    """Like two gunicorn workers receiving LINE's redeliveries: each event handled once."""
    store.create_schema()
    schema = store._metadata.schema or ""
    url = store.engine.url.render_as_string(hide_password=False)
    go = tmp_path / "go"
    count = 150
    ready = [tmp_path / f"ready-{n}" for n in range(2)]
    processes = [
        subprocess.Popen([sys.executable, "-c", CLAIMER, url, schema, str(go), str(count), str(flag)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for flag in ready
    ]
    deadline = time.monotonic() + 60
    while not all(flag.exists() for flag in ready):  # both connected and waiting
        assert time.monotonic() < deadline and all(p.poll() is None for p in processes)
        time.sleep(0.01)
    go.touch()
    claimed = []
    for process in processes:
        out, err = process.communicate(timeout=90)
        assert process.returncode == 0, err
        claimed.append(json.loads(out))
    assert sorted(claimed[0] + claimed[1]) == list(range(count))
    assert not set(claimed[0]) & set(claimed[1])


def test_sqlite_uses_wal_and_a_busy_timeout(sqlite_store: Store) -> None:
    sqlite_store.create_schema()
    with sqlite_store.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 5000


def test_unreachable_database_raises_store_unavailable(down_store: Store) -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="database unavailable"):
        down_store.log_question(kind="answer", entry_id="booking", score=90, candidates=(),
                                normalised_text="secret question", user_hash="u")
    for call in (lambda: down_store.claim_event("e"), lambda: down_store.handoff_active("u"),
                 lambda: down_store.delete_user("u"), lambda: down_store.purge(90)):
        with pytest.raises(StoreUnavailable):
            call()
    assert time.monotonic() - started < 20


def test_healthy_is_a_cheap_select(store: Store, down_store: Store) -> None:
    assert store.healthy() is True
    assert down_store.healthy() is False


def test_event_claims_fail_open_when_the_database_is_down(down_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert EventClaims(down_store).claim("e1") is True
    assert "handling it anyway" in caplog.text
    with pytest.raises(StoreUnavailable):
        EventClaims(down_store, fail_open=False).claim("e1")


def test_store_unavailable_message_carries_no_sql_parameters(tmp_path: Path) -> None:
    store = Store.from_environment({"DATA_DIR": str(tmp_path)})
    store.create_schema()
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE question_log"))
    with pytest.raises(StoreUnavailable) as caught:
        log(store, "private words")
    assert "private words" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    store.close()


def test_store_recovers_once_the_database_is_back(tmp_path: Path) -> None:
    """Schema creation failing at start is retried on the next call."""
    folder = tmp_path / "later"
    store = Store(f"sqlite:///{folder / 'faqbot.sqlite3'}")
    with pytest.raises(StoreUnavailable):
        store.claim_event("e")  # the folder does not exist yet
    folder.mkdir()
    assert store.claim_event("e") is True
    store.close()
