"""bench/startup.py reads memory the way docs/benchmarks.md explains, and times a replacement worker."""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import startup  # noqa: E402


def test_memory_splits_rss_into_private_shared_and_file_pages() -> None:
    mine = startup.memory(os.getpid())
    assert mine["RSS"] > 0
    assert 0 < mine["USS"] <= mine["PSS"] <= mine["RSS"] + 1e-6
    assert math.isclose(mine["anon"] + mine["file"], mine["RSS"])
    assert mine["dic"] <= mine["file"]
    assert all(math.isnan(v) for v in startup.memory(-1).values())  # no such process


def test_a_killed_worker_is_replaced_and_measured(tmp_path: Path) -> None:
    (run,) = startup.replacements(1, tmp_path)
    assert 0 < run["s"] < 30
    assert run["RSS"] > run["USS"] > 0
    assert run["dic"] > 0  # the new worker built its own FAQ index with SudachiPy's dictionary
