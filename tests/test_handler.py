import logging
from dataclasses import dataclass, field
from typing import Any

import pytest

from bot.answering import Answerer
from bot.conversation import Conversation, Reply
from bot.dedup import MemoryDedup
from bot.handler import EventHandler
from bot.line_api import SendResult
from bot.line_events import parse_event
from bot.privacy import hash_user
from line_payloads import GROUP_ID, USER_ID, event, text_event


@dataclass
class StubSender:
    reply_result: SendResult = field(default_factory=lambda: SendResult(True, 200, request_id="r-1"))
    push_result: SendResult = field(default_factory=lambda: SendResult(True, 200, request_id="p-1"))
    replies: list[tuple[str, list[dict[str, Any]]]] = field(default_factory=list)
    pushes: list[tuple[str, list[dict[str, Any]], str | None]] = field(default_factory=list)

    def reply(self, reply_token, messages, *, event_id):
        self.replies.append((reply_token, messages))
        return self.reply_result

    def push(self, to, messages, *, event_id, retry_key=None):
        self.pushes.append((to, messages, retry_key))
        return self.push_result


@pytest.fixture
def sender() -> StubSender:
    return StubSender()


@pytest.fixture
def handler(answerer: Answerer, sender: StubSender) -> EventHandler:
    return EventHandler(Conversation(lambda: answerer), sender, MemoryDedup(60), user_key="k")


def test_a_text_event_is_answered_once(handler: EventHandler, sender: StubSender) -> None:
    raw = text_event("副作用はありますか")
    outcome = handler(parse_event(raw))
    assert (outcome.status, outcome.kind, outcome.entry_id) == ("replied", "answer", "side-effects")
    assert sender.replies[0][0] == raw["replyToken"]
    assert handler(parse_event(raw)).status == "duplicate"
    assert len(sender.replies) == 1


def test_a_redelivery_of_a_handled_event_is_a_duplicate(handler: EventHandler, sender: StubSender) -> None:
    raw = text_event("料金はいくら")
    handler(parse_event(raw))
    again = dict(raw, deliveryContext={"isRedelivery": True})
    assert handler(parse_event(again)).status == "duplicate"
    assert len(sender.replies) == 1


def test_ignored_events_send_nothing(handler: EventHandler, sender: StubSender) -> None:
    assert handler(parse_event(event("unfollow", reply=False))).status == "ignored"
    assert sender.replies == [] and sender.pushes == []


def test_an_urgent_reply_that_failed_is_pushed_with_a_retry_key(handler: EventHandler, sender: StubSender) -> None:
    sender.reply_result = SendResult(False, 400, "invalid-reply-token", "r-9")
    outcome = handler(parse_event(text_event("施術のあと息苦しいです")))
    assert outcome.status == "pushed" and outcome.kind == "urgent"
    (to, messages, key) = sender.pushes[0]
    assert to == USER_ID and messages == sender.replies[0][1] and key


def test_an_urgent_push_in_a_group_goes_to_the_group(handler: EventHandler, sender: StubSender) -> None:
    sender.reply_result = SendResult(False, None, "timeout")
    raw = text_event("@Bot 息ができない", chat="group", mention=[{"index": 0, "length": 4, "type": "user", "isSelf": True}])
    handler(parse_event(raw))
    assert sender.pushes[0][0] == GROUP_ID


@pytest.mark.parametrize("error", ["invalid-reply-token", "timeout", "server-error", "rate-limited", "network"])
def test_non_urgent_failures_are_not_pushed(handler: EventHandler, sender: StubSender, error: str) -> None:
    sender.reply_result = SendResult(False, None, error)
    assert handler(parse_event(text_event("副作用はありますか"))).status == "reply-failed"
    assert sender.pushes == []


def test_an_urgent_reply_rejected_as_malformed_is_not_pushed(handler: EventHandler, sender: StubSender) -> None:
    sender.reply_result = SendResult(False, 400, "bad-request")
    assert handler(parse_event(text_event("息苦しい"))).status == "reply-failed"
    assert sender.pushes == []


def test_a_failed_push_is_recorded(handler: EventHandler, sender: StubSender, caplog: pytest.LogCaptureFixture) -> None:
    sender.reply_result = SendResult(False, 500, "server-error", "r-1")
    sender.push_result = SendResult(False, 500, "server-error", "p-3", attempts=3)
    with caplog.at_level(logging.INFO):
        assert handler(parse_event(text_event("息苦しい"))).status == "push-failed"
    assert "event_push_failed" in caplog.text and "push_request_id=p-3" in caplog.text and "push_attempts=3" in caplog.text


def test_a_failure_in_the_core_is_recorded_not_raised(answerer: Answerer, sender: StubSender, caplog: pytest.LogCaptureFixture) -> None:
    def broken():
        raise KeyError("患者さんの文")

    handler = EventHandler(Conversation(broken), sender, MemoryDedup(60), user_key="k")
    raw = text_event("副作用")
    with caplog.at_level(logging.INFO):
        assert handler(parse_event(raw)).status == "answer-failed"
    assert f"event_answer_failed event_id={raw['webhookEventId']}" in caplog.text and "error=KeyError" in caplog.text
    assert "患者さんの文" not in caplog.text


def test_the_record_is_one_line_without_text_or_user_id(handler: EventHandler, caplog: pytest.LogCaptureFixture) -> None:
    raw = text_event("副作用はありますか")
    with caplog.at_level(logging.INFO):
        handler(parse_event(raw), received_at=None)
    (record,) = [r for r in caplog.records if r.name == "bot.handler"]
    message = record.getMessage()
    assert "\n" not in message
    for expected in (f"event_id={raw['webhookEventId']}", "type=message", "kind=answer", "entry=side-effects", "latency_ms=", "user="):
        assert expected in message
    assert "副作用" not in message and USER_ID not in message and raw["replyToken"] not in message


def test_a_reply_without_messages_sends_nothing(answerer: Answerer, sender: StubSender, caplog: pytest.LogCaptureFixture) -> None:
    class HandedOff:
        def handle(self, incoming):
            return Reply([], extra={"kind": "handoff-silent"})

    handler = EventHandler(HandedOff(), sender, MemoryDedup(60), user_key="k")  # type: ignore[arg-type]
    raw = text_event("副作用はありますか")
    with caplog.at_level(logging.INFO):
        outcome = handler(parse_event(raw))
    assert (outcome.status, outcome.kind) == ("silent", "handoff-silent")
    assert sender.replies == [] and sender.pushes == []
    assert f"event_silent event_id={raw['webhookEventId']}" in caplog.text


def test_the_user_in_the_log_is_the_question_logs_keyed_hash(handler: EventHandler, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        handler(parse_event(text_event("副作用はありますか")))
    assert f"user={hash_user(USER_ID, 'k')} " in caplog.text and USER_ID not in caplog.text


class CompletingDedup(MemoryDedup):
    """Remembers which claims were completed."""

    def __init__(self) -> None:
        super().__init__(60)
        self.completed: list[str] = []

    def complete(self, event_id: str) -> None:
        self.completed.append(event_id)


@pytest.mark.parametrize("reply_result", [SendResult(True, 200), SendResult(False, None, "timeout"), SendResult(False, 401, "unauthorized")],
                         ids=["replied", "timeout", "unauthorized"])
def test_the_claim_is_completed_once_the_event_is_handled(answerer: Answerer, sender: StubSender, reply_result: SendResult) -> None:
    sender.reply_result = reply_result
    dedup = CompletingDedup()
    handler = EventHandler(Conversation(lambda: answerer), sender, dedup, user_key="k")
    raw = text_event("副作用はありますか")
    handler(parse_event(raw))
    assert dedup.completed == [raw["webhookEventId"]]
    handler(parse_event(raw))  # a duplicate is not this worker's claim to complete
    handler(parse_event(event("unfollow", reply=False)))
    assert dedup.completed == [raw["webhookEventId"]]


def test_a_claim_is_completed_when_answering_failed(sender: StubSender) -> None:
    def broken():
        raise RuntimeError("core")

    dedup = CompletingDedup()
    raw = text_event("副作用")
    assert EventHandler(Conversation(broken), sender, dedup, user_key="k")(parse_event(raw)).status == "answer-failed"
    assert dedup.completed == [raw["webhookEventId"]]
