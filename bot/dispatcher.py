"""A bounded in-process worker pool: the webhook hands jobs over and returns at once.

A batch is accepted whole or refused whole, so a 503 never leaves half a webhook processed.
`drain` stops intake and waits for every accepted job; gunicorn's worker_exit hook calls it.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

from .logs import log_fields

log = logging.getLogger(__name__)

Job = Callable[[], object]


class Dispatcher:
    def __init__(self, *, workers: int = 4, capacity: int = 200, name: str = "faqbot-worker") -> None:
        if workers < 1 or capacity < 1:
            raise ValueError("workers and capacity must be at least 1")
        self.workers = workers
        self.capacity = capacity  # jobs queued or running
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._pending = 0
        self._closed = False
        self._changed = threading.Condition()

    @property
    def pending(self) -> int:
        with self._changed:
            return self._pending

    @property
    def accepting(self) -> bool:
        with self._changed:
            return not self._closed

    def submit(self, jobs: Sequence[Job]) -> bool:
        """Queue every job, or none when the pool is full or draining (returns False)."""
        with self._changed:
            if self._closed or self._pending + len(jobs) > self.capacity:
                return False
            self._pending += len(jobs)
            for job in jobs:
                self._executor.submit(self._run, job)
        return True

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued or running (without closing); False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending == 0, timeout)

    def drain(self, timeout: float) -> bool:
        """Refuse new jobs, finish the accepted ones; False when some were still running at `timeout`."""
        started = time.monotonic()
        with self._changed:
            self._closed = True
            done = self._changed.wait_for(lambda: self._pending == 0, timeout)
            left = self._pending
        self._executor.shutdown(wait=done, cancel_futures=not done)
        log_fields(log, "dispatcher_drained", complete=done, abandoned=left, ms=round((time.monotonic() - started) * 1000),
                   level=logging.INFO if done else logging.ERROR)
        return done

    def _run(self, job: Job) -> None:
        try:
            job()
        except Exception as exc:  # a job must never take a worker thread down
            log_fields(log, "job_failed", error=type(exc).__name__, level=logging.ERROR)
        finally:
            with self._changed:
                self._pending -= 1
                self._changed.notify_all()
