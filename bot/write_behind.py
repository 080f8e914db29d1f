"""Store writes that need not be done before the reply, made by one thread, many to a transaction.

The question log and the completion of event claims are written after the fact: an event's
worker thread only queues them. One writer thread takes everything queued so far and writes it
in one transaction (group commit): under load dozens of rows share a commit and a turn of the
database's write lock, instead of each worker taking that lock (and waiting on the other
gunicorn worker's turn) two more times per event. When idle, a row is written at once.

`flush` waits until what was queued is written; the store calls it before reading or deleting
rows, so a process always sees its own writes. A failed batch is logged and dropped, as a failed
single write was. A full queue makes the caller write the row itself.
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


class WriteBehind:
    def __init__(self, write: Callable[[list[Op]], None], *, failure: type[Exception], capacity: int = CAPACITY) -> None:
        self._write = write
        self._failure = failure  # the store's "database unavailable"
        self._capacity = capacity
        self._queue: list[Op] = []
        self._writing = False
        self._closed = False
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="store-writer", daemon=True)
        self._thread.start()

    def put(self, op: Op) -> bool:
        """Queue one write; False when the queue is full or closed (write it yourself)."""
        with self._changed:
            if self._closed or len(self._queue) >= self._capacity:
                return False
            self._queue.append(op)
            self._changed.notify_all()
        return True

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything queued so far is written (or failed); False on timeout."""
        if threading.current_thread() is self._thread:
            return True  # never wait on oneself
        with self._changed:
            return self._changed.wait_for(lambda: not self._queue and not self._writing, timeout)

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
