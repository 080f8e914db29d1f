"""Staff notices: a short LINE push to STAFF_NOTIFY_TO for every handoff and urgent message.

`StaffNotifier` is the `notify` callback of `Conversation`. The conversation calls it before
the patient's reply goes out, so the push is only queued there and sent from its own thread:
a slow or failing Messaging API delays or loses the notice, never the patient's reply.
A notice names the kind, the entry, the time in Japan and the hashed user id; the patient's
words only when the clinic sets `handoff.notify_include_text`.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timezone
from typing import Any, Protocol

from .dispatcher import Dispatcher
from .line_api import SendResult
from .logs import log_fields
from .report import JST

log = logging.getLogger(__name__)

TEXT_MAX = 500  # characters of the patient's message in a notice (when the clinic turns that on)
QUEUE = 100  # notices waiting to be sent; beyond that they are dropped (and logged)

HEADLINES = {
    "handoff": "【スタッフ対応の希望】患者さんがスタッフとのやりとりを希望しています。"
               "LINE公式アカウントのチャットでお返事ください(その間ボットは返信しません)。",
    "urgent": "【緊急の可能性】体調の急変を思わせるメッセージがありました。"
              "ボットは119番とクリニックの電話番号をご案内済みです。チャットを確認してください。",
}


class Pusher(Protocol):
    def push(self, to: str, messages: list[dict[str, Any]], *, event_id: str | None, retry_key: str | None = None) -> SendResult: ...


def notice_text(notice: dict[str, Any]) -> str:
    """The text staff read on their phones: what happened, when, and who (as a hash only)."""
    kind = str(notice.get("kind") or "")
    lines = [
        HEADLINES.get(kind, f"【通知】{kind}"),
        f"種別: {kind}",
        f"項目: {notice.get('entry_id') or '-'}",
        f"日時: {_japan_time(notice.get('time'))}",
        f"利用者(ハッシュ化ID): {notice.get('user_hash') or '-'}",
    ]
    if notice.get("text"):
        text = str(notice["text"])
        lines.append("本文: " + (text if len(text) <= TEXT_MAX else text[:TEXT_MAX] + "…"))
    return "\n".join(lines)


def _japan_time(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # the conversation's clock is UTC
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


class StaffNotifier:
    """Queues notices and pushes them from one background thread, each with its own retry key."""

    def __init__(self, line: Pusher, to: str, *, capacity: int = QUEUE) -> None:
        self._line = line
        self.to = to
        self._pool = Dispatcher(workers=1, capacity=capacity, name="staff-notice")

    def __call__(self, notice: dict[str, Any]) -> None:
        # Copied: the caller's dict is not ours to keep. Never raises for a full queue.
        notice = dict(notice)
        if not self._pool.submit([lambda: self.send(notice)]):
            log_fields(log, "staff_notice_dropped", kind=notice.get("kind"), pending=self._pool.pending, level=logging.ERROR)

    def send(self, notice: dict[str, Any]) -> SendResult:
        message = {"type": "text", "text": notice_text(notice)}
        result = self._line.push(self.to, [message], event_id=None, retry_key=str(uuid.uuid4()))
        log_fields(
            log, "staff_notified" if result.ok else "staff_notice_failed", kind=notice.get("kind"),
            entry=notice.get("entry_id"), user=notice.get("user_hash"), status=result.status, error=result.error,
            request_id=result.request_id, attempts=result.attempts, level=logging.INFO if result.ok else logging.ERROR,
        )
        return result

    def wait_idle(self, timeout: float) -> bool:
        return self._pool.wait_idle(timeout)

    def close(self, timeout: float) -> bool:
        """Send what is queued (up to `timeout` seconds), then stop."""
        return self._pool.drain(timeout)
