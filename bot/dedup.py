"""Process each LINE webhook event once: `claim(event_id)` is True only the first time.

`MemoryDedup` holds within one process. The web app puts it in front of the database's
`EventClaims` (`LayeredDedup`): a repeat this process already saw is refused without a
query, and the database decides everything else, across gunicorn workers and instances.
`complete(event_id)` says the claimant is done with the event; the database keeps a claim
that was never completed (its worker died) only for a lease, then lets a redelivery have it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Protocol


class Dedup(Protocol):
    def claim(self, event_id: str) -> bool:
        """True when this is the first claim of `event_id` within the window (go ahead)."""
        ...

    def complete(self, event_id: str) -> None:
        """The event a successful `claim` returned is handled (whatever the outcome)."""
        ...


class MemoryDedup:
    """In-memory claims that expire after `ttl` seconds; the oldest go first when full."""

    def __init__(self, ttl: float = 24 * 3600.0, *, max_entries: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._expiry: OrderedDict[str, float] = OrderedDict()  # insertion order == expiry order
        self._lock = threading.Lock()

    def claim(self, event_id: str) -> bool:
        now = self._clock()
        with self._lock:
            self._expire(now)
            if event_id in self._expiry:
                return False
            self._expiry[event_id] = now + self.ttl
            while len(self._expiry) > self.max_entries:
                self._expiry.popitem(last=False)
            return True

    def complete(self, event_id: str) -> None:
        """Nothing to do: a process that dies forgets its claims with it."""

    def release(self, event_id: str) -> None:
        """Forget a claim, so the next `claim` of `event_id` succeeds again."""
        with self._lock:
            self._expiry.pop(event_id, None)

    def __len__(self) -> int:
        with self._lock:
            self._expire(self._clock())
            return len(self._expiry)

    def _expire(self, now: float) -> None:
        while self._expiry:
            oldest, expiry = next(iter(self._expiry.items()))
            if expiry > now:
                break
            del self._expiry[oldest]


class LayeredDedup:
    """`local` first (cheap, this process only), then `shared` (the database), which decides.

    `local` keeps only the events this process won: one the database refused may be another
    worker's unfinished claim, which a later redelivery here can take over after its lease.
    """

    def __init__(self, local: MemoryDedup, shared: Dedup) -> None:
        self.local = local
        self.shared = shared

    def claim(self, event_id: str) -> bool:
        if not self.local.claim(event_id):
            return False
        if self.shared.claim(event_id):
            return True
        self.local.release(event_id)
        return False

    def complete(self, event_id: str) -> None:
        complete_claim(self.shared, event_id)


def complete_claim(dedup: object, event_id: str) -> None:
    """`dedup.complete(event_id)` for a dedup that has one (one that only claims keeps its claims)."""
    complete = getattr(dedup, "complete", None)
    if complete is not None:
        complete(event_id)
