"""Every kind of message the bot sends fits the SDK's request models.

`LineApi` posts the composed dicts without building the SDK's models (they cost more CPU than
the answer), so a shape error would only show as LINE's 400 in production: it is caught here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from linebot.v3.messaging import PushMessageRequest, ReplyMessageRequest

from bot.answering import Answerer
from bot.conversation import FOLLOW, MEDIA, POSTBACK, TEXT, Conversation, Incoming
from bot.staff_notify import notice_text
from bot.store import Store, StoreUnavailable

USER = "U" + "1" * 32
# One message of each kind the conversation composes; `kinds` below checks none is missing.
TEXTS = {
    "answer": "副作用はありますか",
    "two-topics": "妊娠中で、病院から出てる薬も飲んでます。受けても大丈夫でしょうか",
    "suggest": "効果",
    "fallback": "あいうえおかきくけこ",
    "urgent": "施術のあとから息苦しいです",
    "greeting": "こんにちは",
    "thanks": "ありがとう",
    "help": "使い方を教えて",
    "handoff": "スタッフと話したい",
    "resume": "自動応答に戻る",
    "delete": "履歴を削除",
}


class BrokenStore:
    """A store whose database is down: the conversation's failure replies."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise StoreUnavailable("database unavailable (test)")

        return fail


def replies(answerer: Answerer, store: Any) -> Iterator[tuple[str, str, list[dict[str, Any]]]]:
    """(name, kind, messages) for every reply a conversation over `store` composes."""
    conversation = Conversation(lambda: answerer, store=store, secret="k" if store is not None else None)
    for name, text in TEXTS.items():
        reply = conversation.handle(Incoming(TEXT, USER, text))
        conversation.handle(Incoming(TEXT, USER, TEXTS["resume"]))  # out of a handoff again
        yield name, reply.kind, reply.messages
    for name, incoming in (
        ("postback", Incoming(POSTBACK, USER, "faq:side-effects")),
        ("unknown-postback", Incoming(POSTBACK, USER, "faq:no-such-entry")),
        ("follow", Incoming(FOLLOW, USER)),
        ("media", Incoming(MEDIA, USER)),
    ):
        reply = conversation.handle(incoming)
        yield name, reply.kind, reply.messages


@pytest.fixture(params=["with-store", "without-store", "store-down"])
def composed(request, answerer: Answerer, tmp_path: Path) -> list[tuple[str, str, list[dict[str, Any]]]]:
    if request.param == "with-store":
        store = Store.from_environment({"DATA_DIR": str(tmp_path)})
        request.addfinalizer(store.close)
    else:
        store = None if request.param == "without-store" else BrokenStore()
    return list(replies(answerer, store))


def test_the_set_covers_every_kind_of_reply(answerer: Answerer, tmp_path: Path) -> None:
    store = Store.from_environment({"DATA_DIR": str(tmp_path)})
    try:
        kinds = {kind for _, kind, _ in replies(answerer, store)} | {kind for _, kind, _ in replies(answerer, BrokenStore())}
    finally:
        store.close()
    assert kinds >= {"answer", "suggest", "fallback", "urgent", "smalltalk", "handoff", "handoff-ended", "history-deleted",
                     "history-delete-failed", "unknown-postback", "welcome", "non-text"}
    two = Conversation(lambda: answerer).handle(Incoming(TEXT, USER, TEXTS["two-topics"]))
    assert len(two.messages) == 2  # both answers


def test_every_reply_is_a_valid_reply_request(composed) -> None:
    for name, _, messages in composed:
        request = ReplyMessageRequest.from_dict({"replyToken": "r" * 32, "messages": messages})
        assert request.to_dict()["messages"] == messages, name  # nothing dropped, renamed or coerced


def test_every_reply_is_a_valid_push_request(composed) -> None:
    """Urgent replies are pushed when their reply token fails; any reply could be."""
    for name, _, messages in composed:
        assert PushMessageRequest.from_dict({"to": USER, "messages": messages}).to_dict()["messages"] == messages, name


@pytest.mark.parametrize("kind", ["urgent", "handoff", "other"])
def test_staff_notices_are_valid_push_requests(kind: str) -> None:
    notice = {"kind": kind, "entry_id": None, "time": "2026-11-28T02:30:00+00:00", "user_hash": "ab" * 16, "text": "息苦しい" * 200}
    messages = [{"type": "text", "text": notice_text(notice)}]
    assert PushMessageRequest.from_dict({"to": "C" + "0" * 32, "messages": messages}).to_dict()["messages"] == messages
