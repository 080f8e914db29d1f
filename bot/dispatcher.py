"""A bounded in-process worker pool: the webhook hands jobs over and returns at once.

A batch is accepted whole or refused whole, so a 503 never leaves half a webhook processed.
`drain` stops intake and waits for every accepted job; gunicorn's worker_exit hook calls it.
Jobs go through one `SimpleQueue` to at most `workers` threads, started as the jobs in hand
outnumber them: a `ThreadPoolExecutor` made a Future, a work item and several lock round trips
per job, which cost more CPU than handing the event over needs. As with the executor, a process
that exits without draining first runs the jobs already queued (its threads are not daemons).
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from typing import Callable, Sequence

from .logs import log_fields

log = logging.getLogger(__name__)

Job = Callable[[], object]
_STOP = None  # put once per thread: that thread returns


class Dispatcher:
    def __init__(self, *, workers: int = 4, capacity: int = 200, name: str = "faqbot-worker") -> None:
        if workers < 1 or capacity < 1:
            raise ValueError("workers and capacity must be at least 1")
        self.workers = workers
        self.capacity = capacity  # jobs queued or running
        self._name = name
        self._queue: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._pending = 0
        self._closed = False
        self._changed = threading.Condition()
        # What concurrent.futures does at interpreter exit: stop each thread after the queued jobs,
        # before the threads are joined (a thread waiting on the queue would otherwise hold up exit).
        threading._register_atexit(functools.partial(_stop_threads, self._queue, self._threads))  # type: ignore[attr-defined]

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
                self._queue.put(job)
            while len(self._threads) < min(self._pending, self.workers):
                self._start_thread()
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
            threads = list(self._threads)
        if not done:
            self._drop_queued()  # jobs not started yet are abandoned; running ones finish on their own
        _stop_threads(self._queue, threads)
        if done:
            for thread in threads:
                thread.join()
        log_fields(log, "dispatcher_drained", complete=done, abandoned=left, ms=round((time.monotonic() - started) * 1000),
                   level=logging.INFO if done else logging.ERROR)
        return done

    def _start_thread(self) -> None:
        thread = threading.Thread(target=self._work, name=f"{self._name}_{len(self._threads)}")
        thread.start()
        self._threads.append(thread)

    def _drop_queued(self) -> None:
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    def _work(self) -> None:
        while True:
            job = self._queue.get()
            if job is _STOP:
                return
            try:
                job()
            except Exception as exc:  # a job must never take a worker thread down
                log_fields(log, "job_failed", error=type(exc).__name__, level=logging.ERROR)
            finally:
                with self._changed:
                    self._pending -= 1
                    self._changed.notify_all()


def _stop_threads(jobs: queue.SimpleQueue, threads: list[threading.Thread]) -> None:
    for _ in list(threads):
        jobs.put(_STOP)
