"""The webhook load benchmark, shrunk to a few events, still runs against both servers and adds up."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.webhook_load import Options, Scenario, fixed, full, run  # noqa: E402


def test_a_tiny_load_run_reports_both_servers_with_nothing_lost() -> None:
    scenario = Scenario("fast", 0.005, (fixed(20, 1), full(30, 1, connections=4)))
    lines: list[str] = []
    runs, _ = run((scenario,), Options(timeout=5, settle_cap=15, quiet=0.3, warmup=2), out=lines.append)
    text = "\n".join(lines)
    for name in ("project", "peer"):
        for result in runs["fast"][name].results:
            assert result.sent > 0 and result.acked == result.sent, (name, result)
            assert result.replies == result.acked and result.lost == 0 and result.doubled == 0, (name, result)
            assert result.peak_rss > 0
    assert "fixed 20/s   project" in text and "ratio" in text and "peer" in text
    assert "PASS  fast API: project lost 0 and answered twice 0 events" in text
