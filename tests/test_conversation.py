"""The conversation's staff loop: question log, history deletion, handoff silence, notices."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.answering import Answerer
from bot.conversation import FOLLOW, MEDIA, POSTBACK, TEXT, Conversation, Incoming, Reply
from bot.messages import postback_data
from bot.privacy import hash_user
from bot.store import Store

SECRET = "test-secret-for-hashing"
USER = "U1234567890abcdef1234567890abcdef"
OTHER = "Ufedcba0987654321fedcba0987654321"
QUESTION = "エクソソームとは何ですか"
URGENT = "施術のあと息が苦しいです"
START = datetime(2025, 5, 1, 1, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notices() -> list[dict]:
    return []


@pytest.fixture
def chat(answerer: Answerer, sqlite_store: Store, clock: Clock, notices: list[dict]) -> Conversation:
    return Conversation(lambda: answerer, store=sqlite_store, secret=SECRET, notify=notices.append, clock=clock)


def say(chat: Conversation, text: str, user: str = USER) -> Reply:
    return chat.handle(Incoming(TEXT, user, text, event_id="e"))


def rows(store: Store) -> list:
    return store.questions(START - timedelta(days=1), START + timedelta(days=30))


def all_text(reply: Reply) -> str:
    return "\n".join(m.get("text", "") for m in reply.messages)


def test_without_a_store_it_answers_as_before(answerer: Answerer) -> None:
    chat = Conversation(lambda: answerer)
    assert say(chat, QUESTION).answer.entry_id == "exosome-what"
    assert chat.handle(Incoming(FOLLOW, USER)).kind == "welcome"
    assert say(chat, "履歴を削除").kind == "history-deleted"
    handoff = say(chat, "スタッフと話したい")
    assert handoff.kind == "handoff" and "自動応答を止め" not in all_text(handoff)  # no state to keep it silent
    assert say(chat, QUESTION).answer.entry_id == "exosome-what"


def test_a_store_needs_the_secret(answerer: Answerer, sqlite_store: Store) -> None:
    with pytest.raises(ValueError, match="USER_HASH_SECRET"):
        Conversation(lambda: answerer, store=sqlite_store)


def test_every_answer_suggest_fallback_and_urgent_is_logged_as_decided(chat: Conversation, sqlite_store: Store, clock: Clock) -> None:
    replies = []
    for text in (QUESTION, "施術の痛みは", "駐車場はありますか？", URGENT):
        replies.append(say(chat, text))
        clock.advance(seconds=1)
    say(chat, "こんにちは")  # small talk is not a question
    logged = rows(sqlite_store)
    assert [r.kind for r in logged] == [r.answer.kind for r in replies]
    assert {r.kind for r in logged} >= {"answer", "urgent"}
    for row, reply in zip(logged, replies):
        answer = reply.answer
        assert (row.entry_id, row.score, row.normalised_text) == (answer.entry_id, answer.score, answer.normalised)
        assert row.candidates == tuple((c.id, c.score) for c in answer.candidates)
        assert row.user_hash == hash_user(USER, SECRET)
    assert logged[-1].normalised_text == ""  # what an urgent message says is not kept


def test_no_raw_user_id_or_raw_text_anywhere_in_the_database(chat: Conversation, sqlite_store: Store, tmp_path: Path) -> None:
    raw_question = "駐車場はありますか？"
    for text in (QUESTION, raw_question, URGENT, "スタッフと話したい"):
        say(chat, text)
    values = []
    with sqlite_store.engine.connect() as conn:
        for table in ("question_log", "handoff", "processed_events", "schema_version"):
            for row in conn.execute(sa.text(f"SELECT * FROM {table}")):
                values.extend(str(v) for v in row)
    dump = "\n".join(values)
    assert hash_user(USER, SECRET) in dump
    for secret in (USER, raw_question, URGENT, SECRET):
        assert secret not in dump
    files = b"".join(p.read_bytes() for p in (tmp_path / "data").iterdir())
    assert USER.encode() not in files and URGENT.encode() not in files


@pytest.mark.parametrize("request_text", ["履歴を削除", "履歴削除", "履歴を消して", "データを削除して", "私のデータを消して",
                                          "記録を削除してください", "ﾘﾚｷを削除", "りれきを　さくじょ！"])
def test_deletion_request_deletes_the_users_rows_and_confirms(chat: Conversation, sqlite_store: Store, request_text: str) -> None:
    say(chat, QUESTION)
    say(chat, "駐車場はありますか")
    say(chat, QUESTION, user=OTHER)
    reply = say(chat, request_text)
    assert reply.kind == "history-deleted" and reply.extra["deleted"] == 2
    assert len(reply.messages) == 1 and reply.messages[0]["type"] == "text"
    assert "削除しました" in reply.messages[0]["text"] and "2件" in reply.messages[0]["text"]
    assert [r.user_hash for r in rows(sqlite_store)] == [hash_user(OTHER, SECRET)]


def test_a_question_about_deletion_deletes_nothing(chat: Conversation, sqlite_store: Store) -> None:
    say(chat, QUESTION)
    reply = say(chat, "データはいつ削除されますか")
    assert reply.answer is not None
    assert len([r for r in rows(sqlite_store) if r.user_hash == hash_user(USER, SECRET)]) == 2


@pytest.mark.parametrize("request_text", ["スタッフと話したい", "人と話したい", "電話したい", "オペレーター",
                                          "担当者に代わって", "直接相談したい"])
def test_handoff_gives_the_contact_and_tells_staff(chat: Conversation, answerer: Answerer, notices: list[dict],
                                                    request_text: str) -> None:
    reply = say(chat, request_text)
    settings = answerer.settings
    text = all_text(reply)
    assert reply.kind == "handoff"
    for value in (settings.phone, settings.hours, settings.booking_url, "24時間", "自動応答に戻る"):
        assert value in text
    chips = [item["action"]["uri"] for item in reply.messages[0]["quickReply"]["items"]]
    assert settings.phone_uri in chips
    assert notices == [{"kind": "handoff", "entry_id": None, "time": "2025-05-01T01:00:00+00:00",
                        "user_hash": hash_user(USER, SECRET)}]


def test_the_bot_is_silent_during_a_handoff_except_for_urgent_messages(chat: Conversation, sqlite_store: Store,
                                                                       clock: Clock, notices: list[dict]) -> None:
    say(chat, "スタッフと話したい")
    clock.advance(hours=1)
    silent = say(chat, QUESTION)
    assert silent.messages == [] and silent.kind == "handoff-silent"
    assert chat.handle(Incoming(POSTBACK, USER, postback_data("booking"))).messages == []
    assert chat.handle(Incoming(MEDIA, USER)).messages == []
    assert say(chat, QUESTION, user=OTHER).answer.entry_id == "exosome-what"  # only that user is handed off

    urgent = say(chat, URGENT)
    assert urgent.kind == "urgent" and urgent.messages
    assert [n["kind"] for n in notices] == ["handoff", "urgent"]
    assert "text" not in notices[-1]
    assert [r.kind for r in rows(sqlite_store) if r.user_hash == hash_user(USER, SECRET)] == ["handoff", "urgent"]

    clock.advance(hours=23, minutes=1)  # 24 h after the request
    assert say(chat, QUESTION).answer.entry_id == "exosome-what"


def test_handoff_hours_and_message_text_in_notices_follow_the_settings(faq_copy: Path, sqlite_store: Store, clock: Clock,
                                                                      notices: list[dict]) -> None:
    settings = faq_copy / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    text = text.replace("handoff_hours: 24", "handoff_hours: 2").replace("notify_include_text: false", "notify_include_text: true")
    settings.write_text(text, encoding="utf-8")
    answerer = Answerer.from_directory(faq_copy)
    chat = Conversation(lambda: answerer, store=sqlite_store, secret=SECRET, notify=notices.append, clock=clock)
    assert "2時間" in all_text(say(chat, "スタッフと話したい"))
    assert notices[0]["text"] == "スタッフと話したい"
    clock.advance(hours=1, minutes=59)
    assert say(chat, QUESTION).messages == []
    clock.advance(minutes=2)
    assert say(chat, QUESTION).answer.entry_id == "exosome-what"


def test_back_to_the_bot_ends_the_handoff(chat: Conversation, clock: Clock) -> None:
    say(chat, "スタッフと話したい")
    reply = say(chat, "自動応答に戻る")
    assert reply.kind == "handoff-ended" and "自動応答に戻りました" in all_text(reply)
    assert say(chat, QUESTION).answer.entry_id == "exosome-what"


def test_history_can_be_deleted_during_a_handoff(chat: Conversation, sqlite_store: Store) -> None:
    say(chat, QUESTION)
    say(chat, "スタッフと話したい")
    assert say(chat, "履歴を削除").extra["deleted"] == 2
    assert say(chat, QUESTION).messages == []  # still with staff


def test_expired_rows_are_purged_automatically(chat: Conversation, sqlite_store: Store) -> None:
    sqlite_store.log_question(kind="fallback", entry_id=None, score=0, candidates=(), normalised_text="ふるい",
                              user_hash="x", now=START - timedelta(days=91))
    sqlite_store.log_question(kind="fallback", entry_id=None, score=0, candidates=(), normalised_text="あたらしい",
                              user_hash="x", now=START - timedelta(days=89))
    say(chat, QUESTION)
    kept = sqlite_store.questions(START - timedelta(days=400), START + timedelta(days=1))
    assert [r.normalised_text for r in kept][:1] == ["あたらしい"] and len(kept) == 2


def test_answering_goes_on_when_the_database_is_down(answerer: Answerer, down_store: Store, notices: list[dict],
                                                    caplog: pytest.LogCaptureFixture) -> None:
    chat = Conversation(lambda: answerer, store=down_store, secret=SECRET, notify=notices.append)
    with caplog.at_level(logging.WARNING):
        assert say(chat, QUESTION).answer.entry_id == "exosome-what"
        handoff = say(chat, "スタッフと話したい")
        assert handoff.kind == "handoff" and answerer.settings.phone in all_text(handoff)
        assert "自動応答を止め" not in all_text(handoff)  # it could not be recorded, so it is not promised
        assert say(chat, QUESTION).answer.entry_id == "exosome-what"
        deletion = say(chat, "履歴を削除")
    assert deletion.kind == "history-delete-failed" and answerer.settings.phone in all_text(deletion)
    assert [n["kind"] for n in notices] == ["handoff"]
    assert "question not logged" in caplog.text and USER not in caplog.text


def test_a_failing_notice_does_not_cost_the_reply(answerer: Answerer, sqlite_store: Store) -> None:
    def broken(_notice: dict) -> None:
        raise ConnectionError("LINE push failed")

    chat = Conversation(lambda: answerer, store=sqlite_store, secret=SECRET, notify=broken)
    assert say(chat, URGENT).kind == "urgent"
    assert say(chat, "スタッフと話したい").kind == "handoff"
