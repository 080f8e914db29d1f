"""Deferred store writes: queued by the event's thread, written by one thread in batches, never lost quietly."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.statements import Op
from bot.store import Store, StoreUnavailable
from bot.write_behind import WriteBehind

NOW = datetime.now(timezone.utc)


def log(store: Store, user: str, text: str = "しつもん") -> None:
    store.log_question(kind="fallback", entry_id=None, score=0.0, candidates=(), normalised_text=text, user_hash=user)


def logged(store: Store) -> list[str]:
    return [r.normalised_text for r in store.questions(NOW - timedelta(hours=1), NOW + timedelta(hours=1))]


def test_writes_queued_while_the_writer_is_busy_share_one_transaction() -> None:
    batches: list[list[Op]] = []
    started, release = threading.Event(), threading.Event()

    def write(ops: list[Op]) -> None:
        batches.append(ops)
        started.set()
        release.wait(5)

    writer = WriteBehind(write, failure=StoreUnavailable)
    assert writer.put(("a", {}))
    assert started.wait(5)
    for name in "bcd":  # while "a" is being written
        assert writer.put((name, {}))
    release.set()
    assert writer.flush(5)
    assert [[name for name, _ in batch] for batch in batches] == [["a"], ["b", "c", "d"]]
    writer.close()


def test_rows_queued_within_the_linger_share_one_transaction_and_a_flush_does_not_wait_for_it() -> None:
    batches: list[list[str]] = []
    writer = WriteBehind(lambda ops: batches.append([name for name, _ in ops]), failure=StoreUnavailable, linger=5.0)
    for name in "abc":
        assert writer.put((name, {}))
    started = time.monotonic()
    assert writer.flush(2)
    assert time.monotonic() - started < 1 and batches == [["a", "b", "c"]]
    writer.close()


def test_a_failed_batch_is_logged_and_the_writer_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    written: list[str] = []

    def write(ops: list[Op]) -> None:
        if ops[0][0] == "bad":
            raise StoreUnavailable("database unavailable (test)")
        written.extend(name for name, _ in ops)

    writer = WriteBehind(write, failure=StoreUnavailable)
    with caplog.at_level(logging.WARNING):
        writer.put(("bad", {"text": "患者さんの文"}))
        writer.flush(5)
        writer.put(("good", {}))
        writer.close()
    assert written == ["good"]
    assert "store_writes_failed rows=1 kinds=bad" in caplog.text and "患者さんの文" not in caplog.text


def test_a_full_or_closed_queue_refuses_so_the_caller_writes_itself() -> None:
    started, release = threading.Event(), threading.Event()
    writer = WriteBehind(lambda ops: started.set() or release.wait(5), failure=StoreUnavailable, capacity=2)
    assert writer.put(("a", {}))
    assert started.wait(5) and writer.flush(0.05) is False  # "a" is being written
    assert writer.put(("b", {})) and writer.put(("c", {}))
    assert not writer.put(("d", {}))
    release.set()
    assert writer.close(5)
    assert not writer.put(("e", {}))


def test_a_deferring_store_reads_and_deletes_its_own_queued_rows(sqlite_store: Store) -> None:
    sqlite_store.defer_writes()
    log(sqlite_store, "u1", "ひとつめ")
    assert logged(sqlite_store) == ["ひとつめ"]
    log(sqlite_store, "u1", "ふたつめ")
    assert sqlite_store.delete_user("u1") == 2  # nothing of theirs is written after the deletion
    assert sqlite_store.flush_writes(5) and logged(sqlite_store) == []


def test_claims_completed_soon_are_completed_once_flushed(sqlite_store: Store) -> None:
    sqlite_store.defer_writes()
    assert sqlite_store.claim_event("E1")
    sqlite_store.complete_event_soon("E1")
    assert sqlite_store.flush_writes(5)
    # Completed: even long past any lease, no redelivery takes it over.
    assert not sqlite_store.claim_event("E1", now=NOW + timedelta(days=1), lease=timedelta(seconds=1))


def test_closing_the_store_writes_what_is_queued(tmp_path) -> None:
    store = Store.from_environment({"DATA_DIR": str(tmp_path)})
    store.defer_writes()
    for n in range(50):
        log(store, f"u{n}")
    store.close()
    again = Store.from_environment({"DATA_DIR": str(tmp_path)})
    try:
        assert len(logged(again)) == 50
    finally:
        again.close()


def test_many_rows_from_many_threads_are_all_written(sqlite_store: Store) -> None:
    sqlite_store.defer_writes()
    threads = [threading.Thread(target=lambda n=n: [log(sqlite_store, f"u{n}") for _ in range(50)]) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(logged(sqlite_store)) == 400
