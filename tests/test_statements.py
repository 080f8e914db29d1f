"""The per-event statements on SQLite: one connection per thread, rows SQLAlchemy reads back alike."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.store import Store, StoreUnavailable


def test_each_thread_gets_its_own_connection_and_close_lets_go_of_all(sqlite_store: Store) -> None:
    runner = sqlite_store._runner
    sqlite_store.claim_event("main")
    seen: list[sqlite3.Connection] = []

    def claim(name: str) -> None:
        sqlite_store.claim_event(name)
        seen.append(runner._local.connection)

    threads = [threading.Thread(target=claim, args=(f"t{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(c) for c in seen} | {id(runner._local.connection)}) == 4
    sqlite_store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        seen[0].execute("SELECT 1")
    assert sqlite_store.claim_event("after-close")  # a new connection for this thread


def test_times_are_written_in_sqlalchemys_format(sqlite_store: Store) -> None:
    moment = datetime(2026, 11, 28, 2, 30, 0, tzinfo=timezone.utc)  # no microseconds: still written with them
    sqlite_store.log_question(kind="answer", entry_id="e", score=1.0, candidates=[], normalised_text="t", user_hash="u", now=moment)
    sqlite_store.claim_event("E1", now=moment)
    with sqlite_store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT created_at FROM question_log UNION ALL SELECT created_at FROM processed_events")).scalars().all()
    assert stored == ["2026-11-28 02:30:00.000000"] * 2
    (row,) = sqlite_store.questions(moment - timedelta(seconds=1), moment + timedelta(seconds=1))
    assert row.created_at == moment


def test_a_locked_database_is_unavailable_after_the_busy_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.store._SQLITE_BUSY_SECONDS", 0.1)
    store = Store.from_environment({"DATA_DIR": str(tmp_path)})
    store.create_schema()
    other = sqlite3.connect(tmp_path / "faqbot.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holding the write lock
    try:
        with pytest.raises(StoreUnavailable, match="database is locked"):
            store.claim_event("E1")
        assert not store.handoff_active("u")  # WAL: reading still works
    finally:
        other.execute("ROLLBACK")
        other.close()
        store.close()
