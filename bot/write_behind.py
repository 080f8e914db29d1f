"""Store writes that need not be done before the reply, made by one thread, many to a transaction.

The question log and the completion of event claims are written after the fact: an event's
worker thread only queues them. One writer thread takes everything queued so far and writes it
in one transaction (group commit): under load dozens of rows share a commit and a turn of the
database's write lock, instead of each worker taking that lock (and waiting on the other
gunicorn worker's turn) two more times per event. The writer lets the rows of `linger` seconds
(50 ms) gather before it writes: on SQLite each transaction costs some twenty system calls,
and every commit makes each other connection read its pages again, which cost more than the
rows themselves. Nothing reads these rows sooner: a completion matters only after a claim's
lease (90 s), and the question log is read by reports.

`flush` waits until what was queued is written, without lingering; the store calls it before
reading or deleting rows, so a process always sees its own writes. A failed batch is logged and
dropped, as a failed single write was. A full queue makes the caller write the row itself.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from .logs import log_fields
from .statements import Op

log = logging.getLogger(__name__)

CAPACITY = 10_000  # queued rows; past that the caller writes synchronously
BATCH = 500  # rows per transaction at most
LINGER = 0.05  # seconds the writer waits, after a row is queued, for more rows to share its transaction


class WriteBehind:
    def __init__(self, write: Callable[[list[Op]], None], *, failure: type[Exception], capacity: int = CAPACITY,
                 linger: float = LINGER) -> None:
        self._write = write
        self._failure = failure  # the store's "database unavailable"
        self._capacity = capacity
        self._linger = linger
        self._queue: list[Op] = []
        self._writing = False
        self._closed = False
        self._waiting = 0  # callers of `flush`: the writer does not linger while someone waits
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="store-writer", daemon=True)
        self._thread.start()

    def put(self, op: Op) -> bool:
        """Queue one write; False when the queue is full or closed (write it yourself)."""
        with self._changed:
            if self._closed or len(self._queue) >= self._capacity:
                return False
            self._queue.append(op)
            if len(self._queue) in (1, BATCH):
                self._changed.notify_all()  # the writer waits for a first row, or lingers for a full batch
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written (or failed); False on timeout."""
        if threading.current_thread() is self._thread:
            return True  # never wait on oneself
        with self._changed:
            self._waiting += 1
            self._changed.notify_all()
            try:
                return self._changed.wait_for(lambda: not self._queue and not self._writing, timeout)
            finally:
                self._waiting -= 1

    def close(self, timeout: float = 10.0) -> bool:
        """Write what is queued (up to `timeout` seconds), then stop the thread."""
        flushed = self.flush(timeout)
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._thread.join(timeout if flushed else 0)
        return flushed

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._queue or self._closed)
                if not self._queue:
                    return  # closed and empty
                if self._linger > 0:
                    self._changed.wait_for(lambda: self._closed or self._waiting or len(self._queue) >= BATCH, self._linger)
                batch, self._queue = self._queue[:BATCH], self._queue[BATCH:]
                self._writing = True
            try:
                self._write(batch)
            except self._failure as exc:
                kinds = sorted({name for name, _ in batch})
                log_fields(log, "store_writes_failed", rows=len(batch), kinds=",".join(kinds), error=str(exc), level=logging.WARNING)
            except Exception as exc:  # the writer must outlive any bad batch
                log_fields(log, "store_writes_failed", rows=len(batch), error=type(exc).__name__, level=logging.ERROR)
            finally:
                with self._changed:
                    self._writing = False
                    self._changed.notify_all()
