"""`faqbot report` and `faqbot purge` through click's CliRunner, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.report import CSV_HEADER
from bot.store import Store

PARKING = ["ちゅうしゃじょうはあり", "ちゅうしゃじょうはあり", "ちゅうしゃじょうある"]


def seed(store: Store, now: datetime) -> None:
    for text in PARKING:
        store.log_question(kind="fallback", entry_id=None, score=20.0, candidates=[("booking", 20.0)],
                           normalised_text=text, user_hash="u1", now=now - timedelta(days=1))
    store.log_question(kind="answer", entry_id="side-effects", score=95.0, candidates=[("side-effects", 95.0)],
                       normalised_text="ふくさよう", user_hash="u2", now=now - timedelta(days=2))
    store.log_question(kind="fallback", entry_id=None, score=0.0, candidates=(), normalised_text="とてもふるい",
                       user_hash="u3", now=now - timedelta(days=120))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    store = Store.from_environment({"DATA_DIR": str(tmp_path / "data")})
    seed(store, datetime.now(timezone.utc))
    store.close()
    return tmp_path / "data"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, env: dict | None = None):
    return runner.invoke(main, list(args), env={"DATABASE_URL": "", "DATA_DIR": "", **(env or {})}, catch_exceptions=False)


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_has_help_with_an_example(runner: CliRunner, name: str) -> None:
    result = run(runner, name, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and f"faqbot {name}" in result.output


def test_report_text(runner: CliRunner, data_dir: Path) -> None:
    result = run(runner, "report", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.output
    assert "4 message(s)" in result.output
    assert "1. 3 × ちゅうしゃじょうはあり / ちゅうしゃじょうある" in result.output
    assert "side-effects" in result.output
    assert "とてもふるい" not in result.output  # older than 30 days


def test_report_reads_data_dir_from_the_environment(runner: CliRunner, data_dir: Path) -> None:
    result = run(runner, "report", "--days", "200", env={"DATA_DIR": str(data_dir)})
    assert result.exit_code == 0 and "5 message(s)" in result.output and "とてもふるい" in result.output


def test_report_csv_on_standard_output(runner: CliRunner, data_dir: Path) -> None:
    result = run(runner, "report", "--csv", "--data-dir", str(data_dir))
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[1][:3] == ["1", "3", "ちゅうしゃじょうはあり / ちゅうしゃじょうある"]
    assert rows[1][3] == "booking"


def test_report_csv_to_a_file_for_excel(runner: CliRunner, data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.csv"
    result = run(runner, "report", "--csv", "-o", str(target), "--data-dir", str(data_dir))
    assert result.exit_code == 0 and "wrote" in result.output
    with target.open(encoding="utf-8-sig", newline="") as f:
        assert tuple(next(csv.reader(f))) == CSV_HEADER


def test_report_period_in_japan_dates(runner: CliRunner, tmp_path: Path) -> None:
    store = Store.from_environment({"DATA_DIR": str(tmp_path)})
    jst_april_30_late = datetime(2025, 4, 30, 14, 30, tzinfo=timezone.utc)  # 23:30 on April 30 in Japan
    jst_may_1_early = datetime(2025, 4, 30, 15, 30, tzinfo=timezone.utc)  # 00:30 on May 1 in Japan
    for moment, text in ((jst_april_30_late, "しがつ"), (jst_may_1_early, "ごがつ")):
        store.log_question(kind="fallback", entry_id=None, score=0, candidates=(), normalised_text=text,
                           user_hash="u", now=moment)
    store.close()
    result = run(runner, "report", "--since", "2025-04-01", "--until", "2025-04-30", "--data-dir", str(tmp_path))
    assert "しがつ" in result.output and "ごがつ" not in result.output
    bad = run(runner, "report", "--since", "2025-05-02", "--until", "2025-05-01", "--data-dir", str(tmp_path))
    assert bad.exit_code == 2 and "--since" in bad.output


def test_purge_uses_the_retention_from_settings(runner: CliRunner, data_dir: Path, faq_copy: Path) -> None:
    result = run(runner, "purge", "--data-dir", str(data_dir), "--faq-dir", str(faq_copy))
    assert result.exit_code == 0
    assert "deleted 1 question(s) older than 90 days" in result.output
    settings = faq_copy / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("retention_days: 90", "retention_days: 1"), encoding="utf-8")
    result = run(runner, "purge", "--data-dir", str(data_dir), "--faq-dir", str(faq_copy))
    assert "deleted 4 question(s) older than 1 days" in result.output


def test_purge_days_option(runner: CliRunner, data_dir: Path) -> None:
    result = run(runner, "purge", "--days", "2", "--data-dir", str(data_dir))
    assert result.exit_code == 0 and "deleted 2 question(s) older than 2 days" in result.output
    assert run(runner, "purge", "--days", "0", "--data-dir", str(data_dir)).exit_code == 2


def test_a_missing_database_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    for command in ("report", "purge"):
        result = run(runner, command, "--data-dir", str(tmp_path / "nowhere"))
        assert result.exit_code == 1 and "no question log at" in result.output
        assert not (tmp_path / "nowhere").exists()


def test_an_unreachable_database_is_a_clear_error(runner: CliRunner) -> None:
    for command in ("report", "purge"):
        result = run(runner, command, "--database-url", "postgres://postgres@127.0.0.1:9/test")
        assert result.exit_code == 1 and "database unavailable" in result.output
    result = run(runner, "report", "--database-url", "mysql://x@127.0.0.1/db")
    assert result.exit_code == 1 and "DATABASE_URL must start with" in result.output


def test_report_and_purge_on_postgresql(runner: CliRunner, pg_schema: tuple[str, str]) -> None:
    url, schema = pg_schema
    store = Store(url, schema=schema)
    seed(store, datetime.now(timezone.utc))
    store.close()
    # libpq's search_path option points the command at the test's schema, as a URL can in production.
    database_url = f"{url}?options=-csearch_path%3D{schema}"
    result = run(runner, "report", env={"DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "1. 3 × ちゅうしゃじょうはあり / ちゅうしゃじょうある" in result.output
    result = run(runner, "purge", "--database-url", database_url, "--days", "30")
    assert "deleted 1 question(s) older than 30 days" in result.output


def test_commands_are_thin_click_layers() -> None:
    assert isinstance(main, click.Group) and {"report", "purge"} <= set(main.commands)
