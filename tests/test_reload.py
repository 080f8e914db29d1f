"""Live FAQ reload: edits go live, broken edits are rejected and the last good version serves."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from bot.answering import Answerer
from bot.check import check_directory
from bot.reload import LiveAnswerer, StaticAnswerer
from bot.yamlfile import FaqFileError

NEW_ENTRY = """
- id: reload-test-topic
  question: テスト用の合言葉は何ですか?
  phrasings:
    - テスト用の合言葉
    - 合言葉はなに
  answer: >-
    合言葉は「ひまわり」です。
"""
NEW_QUESTION = "テスト用の合言葉を教えて"
BROKEN = "- id: broken-entry\n  question: [unclosed\n"


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(text)


@pytest.fixture
def live(faq_copy: Path):
    live = LiveAnswerer(faq_copy, start=False)
    yield live
    live.stop()


def test_nothing_changes_without_an_edit(live: LiveAnswerer) -> None:
    version = live.version
    assert live.check_now() is False
    assert live.version == version and live.last_error is None


def test_an_added_entry_is_answered_after_the_check(live: LiveAnswerer, faq_copy: Path) -> None:
    before, reloaded_at = live.current(), live.last_reload
    assert before.answer(NEW_QUESTION).entry_id != "reload-test-topic"
    append(faq_copy / "entries.yaml", NEW_ENTRY)
    assert live.check_now() is True
    assert live.current().answer(NEW_QUESTION).entry_id == "reload-test-topic"
    assert live.version != before.version and live.last_reload > reloaded_at
    assert before.answer(NEW_QUESTION).entry_id != "reload-test-topic"  # the old version is untouched


def test_a_broken_edit_is_rejected_and_the_last_good_version_serves(live: LiveAnswerer, faq_copy: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    append(faq_copy / "entries.yaml", NEW_ENTRY)
    live.check_now()
    good = live.version
    append(faq_copy / "entries.yaml", BROKEN)
    with caplog.at_level(logging.ERROR, logger="bot.reload"):
        assert live.check_now() is False
    assert live.version == good
    assert live.current().answer(NEW_QUESTION).entry_id == "reload-test-topic"
    expected = "\n".join(str(p) for p in check_directory(faq_copy) if p.severity == "error")
    assert live.last_error == expected
    assert f"{faq_copy / 'entries.yaml'}:" in live.last_error and ": error: YAML syntax error" in live.last_error
    assert expected in caplog.text
    # Polling again does not log the same error again.
    caplog.clear()
    assert live.check_now() is False
    assert caplog.text == ""


def test_fixing_the_edit_clears_the_error(live: LiveAnswerer, faq_copy: Path) -> None:
    path = faq_copy / "entries.yaml"
    original = path.read_text(encoding="utf-8")
    append(path, BROKEN)
    live.check_now()
    assert live.last_error
    path.write_text(original + NEW_ENTRY, encoding="utf-8")
    assert live.check_now() is True
    assert live.last_error is None
    assert live.current().answer(NEW_QUESTION).entry_id == "reload-test-topic"


def test_an_invalid_entry_is_rejected_with_its_line(live: LiveAnswerer, faq_copy: Path) -> None:
    append(faq_copy / "entries.yaml", NEW_ENTRY.replace("ひまわり", "絶対にひまわり"))
    assert live.check_now() is False
    assert "entries.yaml:" in live.last_error and "絶対" in live.last_error and "医療広告ガイドライン" in live.last_error


@pytest.mark.parametrize("name", ["synonyms.yaml", "settings.yaml"])
def test_synonym_and_settings_files_are_watched_too(live: LiveAnswerer, faq_copy: Path, name: str) -> None:
    path = faq_copy / name
    if name == "settings.yaml":
        path.write_text(path.read_text(encoding="utf-8").replace("handoff_hours: 24", "handoff_hours: 6"), encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8").replace("groups:\n", "groups:\n  - [合言葉, あいことば]\n", 1)
        path.write_text(text, encoding="utf-8")
    assert live.check_now() is True
    if name == "settings.yaml":
        assert live.current().settings.handoff.handoff_hours == 6
    broken = path.read_text(encoding="utf-8") + "oops: [\n"
    path.write_text(broken, encoding="utf-8")
    assert live.check_now() is False
    assert f"{path}:" in live.last_error


def test_a_broken_faq_at_start_raises(faq_copy: Path) -> None:
    append(faq_copy / "entries.yaml", BROKEN)
    with pytest.raises(FaqFileError):
        LiveAnswerer(faq_copy, start=False)


def test_the_watcher_thread_picks_up_an_edit_within_two_seconds(faq_copy: Path) -> None:
    live = LiveAnswerer(faq_copy, interval=0.1)
    try:
        append(faq_copy / "entries.yaml", NEW_ENTRY)
        started = time.monotonic()
        while live.current().answer(NEW_QUESTION).entry_id != "reload-test-topic":
            assert time.monotonic() - started < 2.0, "edit not live within 2 s"
            time.sleep(0.05)
        append(faq_copy / "entries.yaml", BROKEN)
        while live.last_error is None:
            assert time.monotonic() - started < 4.0, "broken edit not noticed"
            time.sleep(0.05)
        assert live.current().answer(NEW_QUESTION).entry_id == "reload-test-topic"
    finally:
        live.stop()
    assert not any(t.name == "faq-reload" and t.is_alive() for t in threading.enumerate())


def test_readers_always_get_a_whole_version_while_it_swaps(faq_copy: Path) -> None:
    live = LiveAnswerer(faq_copy, start=False)
    seen: set[str] = set()
    failures: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                answerer = live.current()
                assert isinstance(answerer, Answerer)
                answerer.answer("エクソソームとは何ですか")
                seen.add(answerer.version)
                time.sleep(0.001)
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
                failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    path = faq_copy / "entries.yaml"
    original = path.read_text(encoding="utf-8")
    for round_ in range(4):
        path.write_text(original + NEW_ENTRY.replace("合言葉はなに", f"合言葉はなに{round_}"), encoding="utf-8")
        assert live.check_now() is True
        time.sleep(0.05)
    stop.set()
    for reader in readers:
        reader.join(timeout=10)
    assert failures == []
    assert len(seen) >= 2


def test_status_for_healthz(live: LiveAnswerer, faq_copy: Path) -> None:
    status = live.status()
    assert status["faq_version"] == live.version and status["faq_error"] is None
    append(faq_copy / "entries.yaml", BROKEN)
    live.check_now()
    assert live.status()["faq_error"] == live.last_error


def test_a_version_the_validator_refuses_is_rejected_and_the_last_good_one_serves(faq_copy: Path) -> None:
    def no_secret_word(answerer: Answerer) -> list[str]:
        found = answerer.answer(NEW_QUESTION).entry_id == "reload-test-topic"
        return [f"{faq_copy / 'entries.yaml'}: error: the test topic is not allowed"] if found else []

    live = LiveAnswerer(faq_copy, start=False, validate=no_secret_word)
    version = live.version
    append(faq_copy / "entries.yaml", NEW_ENTRY)
    assert live.check_now() is False
    assert live.version == version and live.last_error.endswith("error: the test topic is not allowed")


def test_a_static_provider_serves_one_version_with_the_same_status_shape(answerer: Answerer, faq_copy: Path) -> None:
    static = StaticAnswerer(answerer)
    assert static.current() is answerer and static.check_now() is False
    live = LiveAnswerer(faq_copy, start=False)
    assert static.status().keys() == live.status().keys()
    assert static.status()["faq_version"] == answerer.version and static.status()["faq_error"] is None
    static.stop()
