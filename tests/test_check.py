"""`faqbot check` and the loader: every broken file is reported with its file and line."""

from pathlib import Path

import pytest

from bot.check import check_directory
from bot.faq import load_knowledge
from bot.yamlfile import FaqFileError


def errors(directory: Path) -> list[str]:
    return [str(p) for p in check_directory(directory) if p.severity == "error"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_faq_has_no_errors_but_warns_about_placeholders(faq_copy: Path) -> None:
    problems = check_directory(faq_copy)
    assert [p for p in problems if p.severity == "error"] == []
    warned = {p.message.split("'")[1] for p in problems if "placeholder" in p.message}
    assert {"booking_url", "phone", "clinic_name"} <= warned


def test_yaml_syntax_error_names_file_and_line(faq_copy: Path) -> None:
    edit(faq_copy / "entries.yaml", "- id: acne\n", "- id: acne\n  question: [unclosed\n")
    [message] = errors(faq_copy)
    assert message.startswith(f"{faq_copy / 'entries.yaml'}:")
    assert "YAML syntax error" in message
    line = int(message.split(":")[1])
    lines = (faq_copy / "entries.yaml").read_text(encoding="utf-8").splitlines()
    assert "[unclosed" in "\n".join(lines[line - 2 : line + 1])


def test_duplicate_id(faq_copy: Path) -> None:
    edit(faq_copy / "entries.yaml", "- id: allergy\n", "- id: side-effects\n")
    found = errors(faq_copy)
    assert any("duplicate id 'side-effects' (first at line" in m for m in found)


def test_unknown_related_id_and_missing_field(faq_copy: Path) -> None:
    edit(faq_copy / "entries.yaml", "related: [side-effects, booking]", "related: [side-effects, no-such-entry]")
    edit(faq_copy / "entries.yaml", "  question: 妊娠中や授乳中でも受けられますか?\n", "")
    found = "\n".join(errors(faq_copy))
    assert "related id 'no-such-entry' does not exist" in found
    assert "missing field 'question'" in found


def test_phrasing_claimed_by_two_entries(faq_copy: Path) -> None:
    edit(faq_copy / "entries.yaml", "    - 授乳中\n", "    - 授乳中\n    - ニキビへの効果\n")
    [message] = errors(faq_copy)
    assert "ニキビへの効果" in message and "'acne'" in message


def test_forbidden_wording(faq_copy: Path) -> None:
    edit(faq_copy / "entries.yaml", "抑えることが期待されます。", "必ず抑えます。")
    [message] = errors(faq_copy)
    assert "'必ず'" in message and "医療広告ガイドライン" in message


def test_unknown_placeholder_in_answer(faq_copy: Path) -> None:
    edit(faq_copy / "entries.yaml", "{menu_url}", "{menu_link}")
    [message] = errors(faq_copy)
    assert "{menu_link}" in message


def test_answer_too_long_for_line(faq_copy: Path) -> None:
    edit(faq_copy / "entries.yaml", "この期間中の注射や治療は", "あ" * 5000 + "この期間中の注射や治療は")
    found = "\n".join(errors(faq_copy))
    assert "LINE allows 5000" in found


def test_invalid_url(faq_copy: Path) -> None:
    edit(faq_copy / "settings.yaml", "booking_url: https://example.com/CHANGE-ME/booking", "booking_url: javascript:alert(1)")
    [message] = errors(faq_copy)
    assert "'booking_url' must be an https:// URL" in message


def test_synonym_variant_in_two_groups(faq_copy: Path) -> None:
    edit(faq_copy / "synonyms.yaml", "  - [予約,", "  - [ニキビ予約, 肌荒れ]\n  - [予約,")
    [message] = errors(faq_copy)
    assert "'肌荒れ' is already a variant of" in message


def test_thresholds_are_validated(faq_copy: Path) -> None:
    edit(faq_copy / "settings.yaml", "answer_score: 50", "answer_score: lots")
    [message] = errors(faq_copy)
    assert "'answer_score' must be a number" in message


def test_missing_directory() -> None:
    with pytest.raises(FaqFileError, match="FAQ directory not found"):
        load_knowledge("/nonexistent/faq")


def test_environment_overrides_settings(faq_copy: Path) -> None:
    knowledge = load_knowledge(faq_copy, environ={"BOOKING_URL": "https://clinic.example/book", "CLINIC_PHONE": "03-1234-5678"})
    assert knowledge.settings.booking_url == "https://clinic.example/book"
    assert knowledge.settings.phone_uri == "tel:0312345678"


def test_a_phrasing_naming_an_other_topic_is_an_error(faq_copy: Path) -> None:
    edit(faq_copy / "entries.yaml", "    - 予約方法\n", "    - 予約方法\n    - 駐車場の予約\n")
    [message] = errors(faq_copy)
    assert "'駐車場'" in message and "other_topics" in message
