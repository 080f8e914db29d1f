"""One verified LINE event to at most one reply: claim it, answer it, send it, log one line.

Runs on a worker thread, never inside the webhook request, and knows nothing of Flask.
An urgent answer whose reply token failed is pushed instead, so it is not lost. A reply
without messages (the chat is with staff) sends nothing. Users appear in the log as the
same keyed hash the question log uses, never as their LINE id.

The claim is completed once the event is handled, whatever the outcome; only a worker that
dies mid-event leaves it open, for a redelivery to take over after the lease (`EventClaims`).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from .conversation import Conversation, Reply
from .dedup import Dedup
from .line_api import SendResult
from .line_events import LineEvent
from .logs import log_fields
from .privacy import hash_user

log = logging.getLogger(__name__)

# Reply failures after which an urgent message is pushed instead.
URGENT_PUSH_AFTER = frozenset({"invalid-reply-token", "timeout", "network", "server-error", "rate-limited"})


class Sender(Protocol):
    def reply(self, reply_token: str, messages: list[dict[str, Any]], *, event_id: str | None) -> SendResult: ...

    def push(self, to: str, messages: list[dict[str, Any]], *, event_id: str | None, retry_key: str | None = None) -> SendResult: ...


@dataclass(frozen=True)
class Outcome:
    status: str  # ignored, duplicate, answer-failed, silent, replied, reply-failed, pushed, push-failed
    kind: str | None = None
    entry_id: str | None = None


class EventHandler:
    def __init__(
        self,
        conversation: Conversation,
        sender: Sender,
        dedup: Dedup,
        *,
        user_key: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.conversation = conversation
        self.sender = sender
        self.dedup = dedup
        self._user_key = user_key  # USER_HASH_SECRET: log pseudonyms match the question log's user_hash
        self._clock = clock

    def __call__(self, event: LineEvent, received_at: float | None = None) -> Outcome:
        received_at = self._clock() if received_at is None else received_at
        record: dict[str, Any] = {
            "event_id": event.event_id,
            "type": event.type,
            "message_type": event.message_type,
            "source": event.source.type or None,
            "user": hash_user(event.source.user_id, self._user_key) if event.source.user_id else None,
            "redelivery": event.redelivery,
            "reason": event.reason,
        }
        if event.incoming is None or event.reply_token is None:
            return self._done("ignored", record, received_at)
        if event.event_id and not self.dedup.claim(event.event_id):
            return self._done("duplicate", record, received_at)
        try:
            return self._answer(event, record, received_at)
        finally:
            if event.event_id:
                self.dedup.complete(event.event_id)

    def _answer(self, event: LineEvent, record: dict[str, Any], received_at: float) -> Outcome:
        assert event.incoming is not None and event.reply_token is not None
        try:
            reply = self.conversation.handle(event.incoming)
        except Exception as exc:  # a broken answer must not lose the record of the event
            record["error"] = type(exc).__name__
            return self._done("answer-failed", record, received_at, level=logging.ERROR)
        record.update(_describe(reply))
        if not reply.messages:
            # Handed off to staff: LINE refuses an empty reply, and staff answer in the chat.
            return self._done("silent", record, received_at, reply)
        result = self.sender.reply(event.reply_token, reply.messages, event_id=event.event_id)
        record.update(request_id=result.request_id, line_status=result.status, error=result.error)
        if result.ok:
            return self._done("replied", record, received_at, reply)
        if reply.kind == "urgent" and result.error in URGENT_PUSH_AFTER and event.source.push_to:
            pushed = self.sender.push(event.source.push_to, reply.messages, event_id=event.event_id, retry_key=str(uuid.uuid4()))
            record.update(push_request_id=pushed.request_id, push_status=pushed.status, push_error=pushed.error, push_attempts=pushed.attempts)
            status = "pushed" if pushed.ok else "push-failed"
            return self._done(status, record, received_at, reply, level=logging.WARNING if pushed.ok else logging.ERROR)
        return self._done("reply-failed", record, received_at, reply, level=logging.WARNING)

    def _done(self, status: str, record: dict[str, Any], received_at: float, reply: Reply | None = None, level: int = logging.INFO) -> Outcome:
        latency = round((self._clock() - received_at) * 1000)
        log_fields(log, "event_" + status.replace("-", "_"), **record, latency_ms=latency, level=level)
        answer = reply.answer if reply else None
        return Outcome(status, reply.kind if reply else None, answer.entry_id if answer else None)


def _describe(reply: Reply) -> dict[str, Any]:
    """What was decided, for the log: never the question or the answer text."""
    answer = reply.answer
    return {
        "kind": reply.kind,
        "entry": answer.entry_id if answer else None,
        "score": round(answer.score, 1) if answer and answer.kind in ("answer", "suggest", "fallback") else None,
        "candidates": ",".join(c.id for c in answer.candidates) if answer and answer.candidates and answer.kind != "answer" else None,
        "messages": len(reply.messages),
    }
