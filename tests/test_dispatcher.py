import logging
import threading
import time

import pytest

from bot.dispatcher import Dispatcher


def test_jobs_run_on_worker_threads() -> None:
    dispatcher = Dispatcher(workers=2, capacity=10)
    names: list[str] = []
    assert dispatcher.submit([lambda: names.append(threading.current_thread().name)] * 3)
    assert dispatcher.wait_idle(2)
    assert len(names) == 3 and all(n.startswith("faqbot-worker") for n in names)
    assert dispatcher.drain(1)


def test_submit_returns_without_waiting_for_the_job() -> None:
    dispatcher = Dispatcher(workers=1, capacity=10)
    release = threading.Event()
    started = time.monotonic()
    assert dispatcher.submit([release.wait])
    assert time.monotonic() - started < 0.1
    release.set()
    assert dispatcher.drain(2)


def test_a_full_pool_refuses_the_whole_batch() -> None:
    dispatcher = Dispatcher(workers=1, capacity=3)
    release = threading.Event()
    assert dispatcher.submit([release.wait, release.wait])
    ran: list[int] = []
    assert not dispatcher.submit([lambda: ran.append(1), lambda: ran.append(2)])  # 2 + 2 > 3
    assert dispatcher.pending == 2
    assert dispatcher.submit([lambda: ran.append(3)])
    release.set()
    assert dispatcher.drain(2)
    assert ran == [3]


def test_drain_finishes_accepted_jobs_and_refuses_new_ones() -> None:
    dispatcher = Dispatcher(workers=2, capacity=10)
    done: list[int] = []

    def slow(i: int) -> None:
        time.sleep(0.2)
        done.append(i)

    assert dispatcher.submit([lambda i=i: slow(i) for i in range(4)])
    assert dispatcher.drain(5)
    assert sorted(done) == [0, 1, 2, 3]
    assert not dispatcher.accepting
    assert not dispatcher.submit([lambda: None])


def test_drain_gives_up_at_its_timeout(caplog: pytest.LogCaptureFixture) -> None:
    dispatcher = Dispatcher(workers=1, capacity=10)
    release = threading.Event()
    dispatcher.submit([release.wait, release.wait])
    started = time.monotonic()
    with caplog.at_level(logging.INFO, logger="bot.dispatcher"):
        assert not dispatcher.drain(0.2)
    assert time.monotonic() - started < 1
    assert "abandoned=2" in caplog.text
    release.set()


def test_a_failing_job_does_not_stop_the_worker(caplog: pytest.LogCaptureFixture) -> None:
    dispatcher = Dispatcher(workers=1, capacity=10)
    done: list[int] = []

    def boom() -> None:
        raise RuntimeError("secret patient text")

    with caplog.at_level(logging.ERROR):
        assert dispatcher.submit([boom, lambda: done.append(1)])
        assert dispatcher.drain(2)
    assert done == [1]
    assert "job_failed error=RuntimeError" in caplog.text
    assert "secret patient text" not in caplog.text


@pytest.mark.parametrize("workers, capacity", [(0, 1), (1, 0)])
def test_sizes_must_be_positive(workers: int, capacity: int) -> None:
    with pytest.raises(ValueError):
        Dispatcher(workers=workers, capacity=capacity)


def test_threads_start_only_as_jobs_need_them_and_never_past_workers() -> None:
    release = threading.Event()
    dispatcher = Dispatcher(workers=3, capacity=10, name="few")
    assert dispatcher.submit([release.wait])
    assert len([t for t in threading.enumerate() if t.name.startswith("few_")]) == 1
    assert dispatcher.submit([release.wait] * 5)
    assert len([t for t in threading.enumerate() if t.name.startswith("few_")]) == 3
    release.set()
    assert dispatcher.drain(2)
    assert not [t for t in threading.enumerate() if t.name.startswith("few_")]


def test_a_process_that_exits_without_draining_still_runs_the_queued_jobs(tmp_path) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "exit.py"
    script.write_text(
        "import time\n"
        "from bot.dispatcher import Dispatcher\n"
        "d = Dispatcher(workers=1, capacity=10)\n"
        "d.submit([lambda i=i: (time.sleep(0.05), print('ran', i, flush=True)) for i in range(3)])\n"
    )
    root = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run([sys.executable, str(script)], cwd=root, env={**os.environ, "PYTHONPATH": root},
                          capture_output=True, text=True, timeout=20)
    assert done.returncode == 0 and done.stdout.split("\n")[:3] == ["ran 0", "ran 1", "ran 2"]
