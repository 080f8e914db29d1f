"""Staff notices: the text staff read, and sending it off the patient's reply path."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.line_api import SendResult
from bot.staff_notify import TEXT_MAX, StaffNotifier, notice_text

STAFF = "C0123456789abcdef0123456789abcdef"
HASH = "0f" * 16


def notice(**changes: Any) -> dict[str, Any]:
    return {"kind": "handoff", "entry_id": None, "time": "2025-05-01T01:00:00+00:00", "user_hash": HASH, **changes}


def test_a_notice_names_kind_entry_japan_time_and_hashed_user() -> None:
    text = notice_text(notice(kind="urgent", entry_id="side-effects"))
    assert text.startswith("【緊急の可能性】")
    assert "種別: urgent" in text and "項目: side-effects" in text
    assert "日時: 2025-05-01 10:00 JST" in text  # 01:00 UTC is 10:00 in Japan
    assert f"利用者(ハッシュ化ID): {HASH}" in text
    assert "本文" not in text


def test_a_handoff_notice_asks_staff_to_answer_in_the_chat() -> None:
    text = notice_text(notice())
    assert text.startswith("【スタッフ対応の希望】") and "LINE公式アカウントのチャット" in text and "項目: -" in text


def test_the_text_appears_only_when_given_and_is_shortened() -> None:
    assert "本文: 電話したい" in notice_text(notice(text="電話したい"))
    long = notice_text(notice(text="あ" * (TEXT_MAX + 50)))
    assert "あ" * TEXT_MAX + "…" in long and "あ" * (TEXT_MAX + 1) not in long


def test_a_naive_or_missing_time_is_handled() -> None:
    assert "日時: 2025-05-01 10:00 JST" in notice_text(notice(time="2025-05-01T01:00:00"))
    assert "日時: -" in notice_text(notice(time=None))


@dataclass
class SlowLine:
    delay: float = 0.0
    result: SendResult = field(default_factory=lambda: SendResult(True, 200, request_id="p-1"))
    pushes: list[tuple[str, list[dict[str, Any]], str | None]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def push(self, to, messages, *, event_id, retry_key=None):
        self.release.wait(self.delay)
        self.pushes.append((to, messages, retry_key))
        return self.result


def test_calling_the_notifier_returns_at_once_and_the_push_follows() -> None:
    line = SlowLine(delay=1.0)
    notifier = StaffNotifier(line, STAFF)
    started = time.monotonic()
    notifier(notice())
    assert time.monotonic() - started < 0.05
    line.release.set()
    assert notifier.close(5)
    ((to, messages, key),) = line.pushes
    assert to == STAFF and messages[0]["type"] == "text" and key


def test_each_notice_has_its_own_retry_key() -> None:
    line = SlowLine()
    notifier = StaffNotifier(line, STAFF)
    notifier(notice())
    notifier(notice(kind="urgent"))
    assert notifier.close(5)
    assert len({key for _, _, key in line.pushes}) == 2


def test_a_full_queue_drops_the_notice_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    line = SlowLine(delay=5)
    notifier = StaffNotifier(line, STAFF, capacity=1)
    with caplog.at_level(logging.INFO):
        notifier(notice())
        notifier(notice(kind="urgent"))  # one is being sent: no room
    assert "staff_notice_dropped kind=urgent" in caplog.text
    line.release.set()
    assert notifier.close(5) and len(line.pushes) == 1


def test_a_failed_push_is_logged_without_the_text(caplog: pytest.LogCaptureFixture) -> None:
    line = SlowLine(result=SendResult(False, 500, "server-error", "p-9", attempts=3))
    notifier = StaffNotifier(line, STAFF)
    with caplog.at_level(logging.INFO):
        result = notifier.send(notice(text="山田です"))
    assert not result.ok
    assert "staff_notice_failed kind=handoff" in caplog.text and "request_id=p-9" in caplog.text and "attempts=3" in caplog.text
    assert "山田" not in caplog.text
    notifier.close(1)
