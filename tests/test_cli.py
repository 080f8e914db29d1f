"""The staff command line, through click's CliRunner."""

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot.cli import main

REPO = Path(__file__).resolve().parent.parent
DEV = REPO / "tests" / "data" / "dev.tsv"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_ask_prints_a_readable_reply(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", "シミに効きますか"])
    assert result.exit_code == 0, result.output
    assert "[answer spots-wrinkles" in result.output
    assert "しみ" in result.output and "[ボタン] 予約・カウンセリング" in result.output


def test_ask_json_with_arguments(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", "--json", "予約したい", "今日の天気は？"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [(d["kind"], d["id"]) for d in lines] == [("answer", "booking"), ("fallback", None)]
    for data in lines:
        assert list(data) == ["question", "kind", "id", "score", "candidates", "messages"]
        assert isinstance(data["score"], (int, float)) and isinstance(data["messages"], list)


def test_ask_json_reads_standard_input(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask", "--json"], input="ニキビに効く?\n\n息が苦しいです\n")
    assert result.exit_code == 0, result.output
    kinds = [json.loads(line)["kind"] for line in result.output.splitlines()]
    assert kinds == ["answer", "urgent"]


def test_ask_without_question_or_json_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(main, ["ask"])
    assert result.exit_code == 2
    assert "give a question" in result.output


def test_eval_on_the_dev_set_passes(runner: CliRunner) -> None:
    result = runner.invoke(main, ["eval", str(DEV)])
    assert result.exit_code == 0, result.output
    assert "harmful misses (missed urgent, or an FAQ answer to an out-of-scope question): 0" in result.output


def test_eval_fails_on_a_missed_urgent_message(runner: CliRunner, tmp_path: Path) -> None:
    labelled = tmp_path / "cases.tsv"
    labelled.write_text("question\texpect\tcategory\nエクソソームとは\t@urgent\turgent\nシミに効く?\tacne\tfaq\n", encoding="utf-8")
    result = runner.invoke(main, ["eval", str(labelled)])
    assert result.exit_code == 1
    assert "!! line 2 [urgent]" in result.output
    assert "line 3 [faq] シミに効く?  expected acne, got answer spots-wrinkles" in result.output


def test_eval_rejects_bad_files(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("q\ta\nfoo\tbar\n", encoding="utf-8")
    result = runner.invoke(main, ["eval", str(bad)])
    assert result.exit_code == 1 and "header" in result.output
    unknown = tmp_path / "unknown.tsv"
    unknown.write_text("question\texpect\tcategory\nfoo\tno-such-id\tfaq\n", encoding="utf-8")
    result = runner.invoke(main, ["eval", str(unknown)])
    assert result.exit_code == 1 and "unknown entry id 'no-such-id'" in result.output


def test_check_passes_on_the_shipped_faq(runner: CliRunner) -> None:
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "warning: 'booking_url' is still a placeholder" in result.output


def test_check_fails_with_file_and_line(runner: CliRunner, faq_copy: Path) -> None:
    entries = faq_copy / "entries.yaml"
    entries.write_text(entries.read_text(encoding="utf-8").replace("- id: acne", "- id: Acne!"), encoding="utf-8")
    result = runner.invoke(main, ["check", "--faq-dir", str(faq_copy)])
    assert result.exit_code == 1
    assert f"{entries}:" in result.output and "id 'Acne!' must be lower-case" in result.output


def test_commands_refuse_a_broken_faq_with_a_clear_message(runner: CliRunner, faq_copy: Path) -> None:
    (faq_copy / "synonyms.yaml").write_text("groups: [[a", encoding="utf-8")
    result = runner.invoke(main, ["ask", "--faq-dir", str(faq_copy), "副作用"])
    assert result.exit_code == 1
    assert "the FAQ files have errors" in result.output and "synonyms.yaml" in result.output


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    for name, command in main.commands.items():
        assert command.help, name
        assert "Example:" in command.help, f"'{name}' help has no example"
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output
    assert isinstance(main, click.Group)
