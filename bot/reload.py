"""Live FAQ reload: staff edits go live within a second; a broken edit never does.

`LiveAnswerer` polls the FAQ files' content hash in a daemon thread. On a change it builds
a new `Answerer` and swaps it in with one reference assignment, so a request sees either
the old version or the new one, never a mix. A version that fails to load is logged with
the same `file:line: error: message` lines `faqbot check` prints, and the last good
version keeps serving.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Mapping

from .answering import Answerer
from .faq import files_version
from .yamlfile import FaqFileError

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# Extra checks a new version must pass before it serves: problems as `file:line: error: ...`.
Validate = Callable[[Answerer], list[str]]


class LiveAnswerer:
    """Holds the current `Answerer`; pass `live.current` as Conversation's answerer provider."""

    def __init__(self, directory: Path | str, *, interval: float = POLL_SECONDS,
                 environ: Mapping[str, str] | None = None, start: bool = True,
                 validate: Validate | None = None) -> None:
        """Loads the FAQ now (a broken FAQ at start raises `FaqFileError`: nothing to serve).

        `validate` is applied to later versions only; the caller checks the first one itself.
        """
        self.directory = Path(directory)
        self.interval = interval
        self._environ = None if environ is None else dict(environ)
        self._validate = validate
        self._answerer = Answerer.from_directory(self.directory, environ=self._environ)
        self._seen = self._answerer.version  # the last content tried, good or bad
        self.last_error: str | None = None
        self.last_reload = datetime.now(timezone.utc)
        self._check_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_pid: int | None = None
        self._autostart = start
        if start:
            self.start()

    def current(self) -> Answerer:
        """The version in use now. Restarts the watcher in a forked worker (gunicorn --preload)."""
        if self._autostart and self._thread_pid != os.getpid() and not self._stop.is_set():
            self.start()
        return self._answerer

    @property
    def version(self) -> str:
        return self._answerer.version

    def start(self) -> None:
        """Start polling in a daemon thread (once per process)."""
        if self._thread is not None and self._thread.is_alive() and self._thread_pid == os.getpid():
            return
        self._stop.clear()
        self._thread_pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="faq-reload", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check_now()
            except Exception:  # the watcher must outlive any surprise; the old version keeps serving
                log.exception("FAQ reload check failed")

    def check_now(self) -> bool:
        """Reload if the files changed since the last attempt; True when a new version went live."""
        with self._check_lock:
            try:
                seen = files_version(self.directory)
            except OSError as exc:
                return self._reject(f"{self.directory}: error: cannot read the FAQ files ({exc})")
            if seen == self._seen:
                return False
            self._seen = seen
            try:
                answerer = Answerer.from_directory(self.directory, environ=self._environ)
            except FaqFileError as exc:
                return self._reject("\n".join(str(p) for p in exc.problems))
            except (OSError, ValueError) as exc:
                return self._reject(f"{self.directory}: error: {exc}")
            problems = self._validate(answerer) if self._validate is not None else []
            if problems:
                return self._reject("\n".join(problems))
            previous = self._answerer.version
            self._answerer = answerer  # the swap: one reference assignment
            self.last_error = None
            self.last_reload = datetime.now(timezone.utc)
            log.info("FAQ reloaded: version %s (was %s), %d entries", answerer.version, previous, len(answerer.knowledge.entries))
            for warning in answerer.knowledge.warnings:
                log.warning("%s", warning)
            return True

    def _reject(self, error: str) -> bool:
        if error != self.last_error:
            log.error("FAQ edit rejected (version %s still serving; fix it and save again):\n%s", self.version, error)
        self.last_error = error
        return False

    def status(self) -> dict[str, object]:
        """What /healthz shows about the FAQ."""
        return faq_status(self._answerer, self.last_reload, self.last_error)


def faq_status(answerer: Answerer, last_reload: datetime, last_error: str | None) -> dict[str, object]:
    return {
        "faq_version": answerer.version,
        "faq_entries": len(answerer.knowledge.entries),
        "faq_last_reload": last_reload.isoformat(timespec="seconds"),
        "faq_error": last_error,
    }


class StaticAnswerer:
    """One fixed version behind LiveAnswerer's interface: nothing is watched (tests, one-off tools)."""

    def __init__(self, answerer: Answerer) -> None:
        self._answerer = answerer
        self.last_error: str | None = None
        self.last_reload = datetime.now(timezone.utc)

    def current(self) -> Answerer:
        return self._answerer

    @property
    def version(self) -> str:
        return self._answerer.version

    def check_now(self) -> bool:
        return False

    def stop(self) -> None:
        pass

    def status(self) -> dict[str, object]:
        return faq_status(self._answerer, self.last_reload, self.last_error)
