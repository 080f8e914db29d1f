import threading

from bot.dedup import Dedup, LayeredDedup, MemoryDedup


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_first_claim_goes_ahead_and_repeats_do_not() -> None:
    dedup = MemoryDedup(60)
    assert dedup.claim("E1")
    assert not dedup.claim("E1")
    assert dedup.claim("E2")


def test_claims_expire_after_the_window() -> None:
    clock = Clock()
    dedup = MemoryDedup(60, clock=clock)
    assert dedup.claim("E1")
    clock.now += 59
    assert not dedup.claim("E1")
    clock.now += 2
    assert dedup.claim("E1")


def test_memory_is_bounded() -> None:
    dedup = MemoryDedup(3600, max_entries=3)
    for event_id in ["A", "B", "C", "D"]:
        assert dedup.claim(event_id)
    assert len(dedup) == 3
    assert not dedup.claim("D")
    assert dedup.claim("A")  # the oldest made room


def test_expired_claims_are_forgotten() -> None:
    clock = Clock()
    dedup = MemoryDedup(10, clock=clock)
    for i in range(5):
        dedup.claim(str(i))
    clock.now += 11
    assert len(dedup) == 0


def test_only_one_of_many_concurrent_claims_wins() -> None:
    dedup = MemoryDedup(60)
    results: list[bool] = []
    start = threading.Barrier(8)

    def claim() -> None:
        start.wait()
        results.append(dedup.claim("same"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1


def test_memory_dedup_fits_the_interface() -> None:
    dedup: Dedup = MemoryDedup()
    assert dedup.claim("x") is True


class Recording:
    """A shared dedup that remembers what it was asked."""

    def __init__(self, seen: set[str] | None = None) -> None:
        self.seen = set(seen or ())
        self.asked: list[str] = []

    def claim(self, event_id: str) -> bool:
        self.asked.append(event_id)
        first = event_id not in self.seen
        self.seen.add(event_id)
        return first


def test_layered_dedup_lets_the_shared_claim_decide_first_sightings() -> None:
    shared = Recording(seen={"handled-by-another-worker"})
    dedup = LayeredDedup(MemoryDedup(60), shared)
    assert dedup.claim("E1") is True
    assert dedup.claim("handled-by-another-worker") is False
    assert shared.asked == ["E1", "handled-by-another-worker"]


def test_layered_dedup_refuses_a_local_repeat_without_asking_the_shared_one() -> None:
    shared = Recording()
    dedup = LayeredDedup(MemoryDedup(60), shared)
    assert dedup.claim("E1") and not dedup.claim("E1") and not dedup.claim("E1")
    assert shared.asked == ["E1"]


def test_layered_dedup_asks_again_about_an_event_the_shared_claim_refused() -> None:
    """Another worker's claim may be one it never completes (killed): a later redelivery here
    must reach the database, which hands the claim over once its lease ran out."""
    shared = Recording(seen={"claimed-by-a-worker-that-died"})
    dedup = LayeredDedup(MemoryDedup(60), shared)
    assert dedup.claim("claimed-by-a-worker-that-died") is False
    shared.seen.discard("claimed-by-a-worker-that-died")  # the lease ran out
    assert dedup.claim("claimed-by-a-worker-that-died") is True
    assert dedup.claim("claimed-by-a-worker-that-died") is False  # now this process's own
    assert shared.asked == ["claimed-by-a-worker-that-died"] * 2


def test_memory_dedup_release_forgets_a_claim() -> None:
    dedup = MemoryDedup(60)
    assert dedup.claim("E1") and not dedup.claim("E1")
    dedup.release("E1")
    dedup.release("never-claimed")
    assert dedup.claim("E1") and len(dedup) == 1
