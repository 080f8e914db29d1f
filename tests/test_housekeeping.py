"""The purge timer: retention holds without traffic, and a database outage never stops it."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.housekeeping import PurgeTimer
from bot.store import Store


def seed(store: Store, days_ago: int) -> None:
    store.log_question(kind="fallback", entry_id=None, score=0.0, candidates=(), normalised_text="しつもん",
                       user_hash="u", now=datetime.now(timezone.utc) - timedelta(days=days_ago))


def count(store: Store) -> int:
    now = datetime.now(timezone.utc)
    return len(store.questions(now - timedelta(days=1000), now + timedelta(days=1)))


def test_run_once_deletes_past_the_retention_read_at_that_moment(store: Store) -> None:
    retention = [90]
    timer = PurgeTimer(store, lambda: retention[0], every=0.01)
    seed(store, 100)
    seed(store, 40)
    assert timer.run_once().questions == 1 and count(store) == 1
    retention[0] = 30  # a settings edit
    time.sleep(0.02)
    assert timer.run_once().questions == 1 and count(store) == 0


def test_the_timer_purges_at_start_and_then_every_period(sqlite_store: Store) -> None:
    seed(sqlite_store, 100)
    timer = PurgeTimer(sqlite_store, lambda: 90, every=0.2).start()
    try:
        deadline = time.monotonic() + 2
        while count(sqlite_store):
            assert time.monotonic() < deadline
            time.sleep(0.02)
        seed(sqlite_store, 100)
        while count(sqlite_store):
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        timer.stop()
    assert not any(t.name == "faqbot-purge" and t.is_alive() for t in threading.enumerate())


def test_a_database_outage_is_logged_and_the_timer_carries_on(down_store: Store, caplog: pytest.LogCaptureFixture) -> None:
    timer = PurgeTimer(down_store, lambda: 90, every=0.01)
    with caplog.at_level(logging.WARNING):
        assert timer.run_once() is None
    assert "purge_failed" in caplog.text
