"""The retention period, kept on a timer: expired questions, old event ids and ended handoffs go.

The conversation also purges after logging a question, but a quiet week must not keep a
patient's question past its retention; so each web process runs this timer too. Purges are
idempotent deletes, so several workers or instances doing it is harmless.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Callable

from .logs import log_fields
from .store import PurgeCounts, Store, StoreUnavailable

log = logging.getLogger(__name__)


class PurgeTimer:
    """Calls `store.purge_if_due(retention_days())` now and then every `every` seconds."""

    def __init__(self, store: Store, retention_days: Callable[[], int], *, every: float = 3600.0) -> None:
        self.store = store
        self.retention_days = retention_days  # read each time: a settings edit takes effect live
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> "PurgeTimer":
        self._thread = threading.Thread(target=self._run, name="faqbot-purge", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def run_once(self) -> PurgeCounts | None:
        """One purge if none ran in this process within `every`; never raises for a database outage."""
        try:
            counts = self.store.purge_if_due(self.retention_days(), every=timedelta(seconds=self.every))
        except StoreUnavailable as exc:
            log_fields(log, "purge_failed", error=str(exc), level=logging.WARNING)
            return None
        if counts is not None:
            log_fields(log, "purge_done", questions=counts.questions, events=counts.events, handoffs=counts.handoffs)
        return counts

    def _run(self) -> None:
        while True:
            try:
                self.run_once()
            except Exception:  # the timer must outlive any surprise
                log.exception("purge timer")
            if self._stop.wait(self.every):
                return
