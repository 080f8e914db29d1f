"""The webhook load benchmark, shrunk to a few events, still runs against both servers and adds up."""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.webhook_load import PROFILES, Options, Scenario, fixed, full, questions, run, scenario_events  # noqa: E402

# Both scenarios, shrunk: a fast API, and one slow enough that the peer holds its webhooks.
SCENARIOS = (
    Scenario("fast", 0.005, (fixed(20, 1), full(30, 1, connections=4))),
    Scenario("slow", 0.5, (fixed(4, 1), full(8, 1, connections=4))),
)


def test_a_tiny_load_run_reports_both_servers_and_scenarios_with_nothing_lost() -> None:
    lines: list[str] = []
    runs, _ = run(SCENARIOS, Options(timeout=5, settle_cap=15, quiet=0.3, warmup=2), out=lines.append)
    text = "\n".join(lines)
    for scenario in ("fast", "slow"):
        for name in ("project", "peer"):
            for result in runs[scenario][name].results:
                assert result.sent > 0 and result.acked == result.sent, (scenario, name, result)
                assert result.replies == result.acked and result.lost == 0 and result.doubled == 0, (scenario, name, result)
                assert result.peak_rss > 0
        assert f"PASS  {scenario} API: project lost 0 and answered twice 0 events" in text
    assert "fixed 20/s   project" in text and "ratio" in text and "peer" in text
    assert "slow API, fixed 4/s: project p99 acknowledgement" in text


def test_every_event_of_a_run_has_its_own_id_and_reply_token() -> None:
    pool = questions()
    options = Options()
    events = [e for scenario in PROFILES["quick"] for warm, phases in [scenario_events(scenario, options, pool)]
              for e in warm + [e for phase in phases for e in phase]]
    ids = [json.loads(e.body)["events"][0]["webhookEventId"] for e in events]
    assert len(set(ids)) == len(ids) and len({e.token for e in events}) == len(events)
