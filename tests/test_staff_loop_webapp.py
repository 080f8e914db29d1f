"""The staff loop through the web app (Flask's test client, the fake Messaging API, SQLite or
PostgreSQL): /healthz, staff notices, handoff silence, history deletion, shared
de-duplication, the scheduled purge and `faqbot purge` on the app's database."""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from flask import Flask

from bot.answering import Answerer
from bot.cli import main as cli
from bot.privacy import hash_user
from bot.store import Store
from fake_line import Behaviour, FakeLine
from line_payloads import HASH_SECRET, SECRET, STAFF_ID, TOKEN, USER_ID, body, post_signed, postback_event, settle, text_event

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
QUESTION = "副作用はありますか"
HANDOFF = "スタッフと話したい"
URGENT = "施術のあと息が苦しいです"
USER_HASH = hash_user(USER_ID, HASH_SECRET)
DOWN_DATABASE = "postgresql://faqbot:db-password@127.0.0.1:9/test"  # nothing listens on port 9


def say(app: Flask, text: str, **options) -> dict:
    """Post one text event from the test user and wait until the app handled it; returns the event."""
    event = text_event(text, **options)
    assert post_signed(app.test_client(), body(event)).status_code == 200
    settle(app)
    return event


def reply_to(fake: FakeLine, event: dict) -> list[dict] | None:
    found = [r for r in fake.to(REPLY) if r.json["replyToken"] == event["replyToken"]]
    assert len(found) <= 1
    return found[0].json["messages"] if found else None


def texts(messages: list[dict]) -> str:
    return json.dumps(messages, ensure_ascii=False)


def logged(app: Flask) -> list:
    store: Store = app.extensions["faqbot"].store
    now = datetime.now(timezone.utc)
    return store.questions(now - timedelta(days=400), now + timedelta(days=1))


# --- /healthz ----------------------------------------------------------------------------


def test_healthz_with_the_database_down_is_200_and_says_so(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    app = make_app(DATABASE_URL=DOWN_DATABASE)
    response = app.test_client().get("/healthz")
    assert response.status_code == 200  # the bot still answers: a restart would not help
    health = response.json
    assert health["database"] == "unavailable" and health["status"] == "degraded"
    assert any("database unavailable" in note for note in health["notes"])
    raw = response.get_data(as_text=True)
    for secret in ("db-password", "127.0.0.1:9", "faqbot:", SECRET, TOKEN, HASH_SECRET):
        assert secret not in raw
    # And it does answer, without the log or shared de-duplication.
    event = say(app, QUESTION)
    assert reply_to(fake_line, event) is not None


def test_healthz_reports_a_rejected_faq_edit_and_the_version_still_serving(make_app: Callable[..., Flask], faq_copy: Path) -> None:
    app = make_app(answerer=None, FAQ_DIR=str(faq_copy))
    runtime = app.extensions["faqbot"]
    good = app.test_client().get("/healthz").json
    assert good["faq_error"] is None and good["status"] == "ok"
    entries = faq_copy / "entries.yaml"
    entries.write_text(entries.read_text(encoding="utf-8") + "- id: x\n  question: [unclosed\n", encoding="utf-8")
    assert runtime.faq.check_now() is False
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    health = response.json
    assert health["status"] == "degraded" and health["faq_version"] == good["faq_version"]
    assert re.match(rf"{re.escape(str(entries))}:\d+: error: YAML syntax error", health["faq_error"])


def test_a_settings_edit_line_would_reject_is_refused_like_a_broken_file(make_app: Callable[..., Flask], faq_copy: Path) -> None:
    app = make_app(answerer=None, FAQ_DIR=str(faq_copy))
    runtime = app.extensions["faqbot"]
    version = runtime.answerer().version
    settings = faq_copy / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("https://example.com/CHANGE-ME/booking", "http://example.com/booking"),
                        encoding="utf-8")
    assert runtime.faq.check_now() is False
    assert runtime.answerer().version == version
    assert runtime.faq.last_error.startswith(f"{settings}: error: BOOKING_URL / booking_url must be an https:// URL")


# --- staff notices -----------------------------------------------------------------------


def notices(fake: FakeLine, count: int) -> list:
    return fake.wait_for(count, path=PUSH)


def test_a_handoff_is_replied_to_and_pushed_to_staff_without_the_text(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    app = make_app(STAFF_NOTIFY_TO=STAFF_ID)
    event = say(app, "山田です。" + HANDOFF)
    assert "スタッフが対応いたします" in texts(reply_to(fake_line, event))
    (push,) = notices(fake_line, 1)
    assert push.json["to"] == STAFF_ID and push.headers["x-line-retry-key"]
    (message,) = push.json["messages"]
    text = message["text"]
    assert "種別: handoff" in text and f"利用者(ハッシュ化ID): {USER_HASH}" in text
    assert re.search(r"日時: \d{4}-\d\d-\d\d \d\d:\d\d JST", text)
    assert "山田" not in text and HANDOFF not in text and USER_ID not in text


def test_an_urgent_message_is_pushed_to_staff_with_its_time_in_japan(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    app = make_app(STAFF_NOTIFY_TO=STAFF_ID)
    before = datetime.now(timezone(timedelta(hours=9)))
    event = say(app, URGENT)
    assert "119" in texts(reply_to(fake_line, event))
    (push,) = notices(fake_line, 1)
    text = push.json["messages"][0]["text"]
    assert "種別: urgent" in text and "【緊急の可能性】" in text and URGENT not in text
    shown = datetime.strptime(re.search(r"日時: (.+) JST", text).group(1), "%Y-%m-%d %H:%M")
    assert abs(shown - before.replace(tzinfo=None, second=0, microsecond=0)) <= timedelta(minutes=1)


def test_the_text_is_in_the_notice_only_when_the_clinic_turns_it_on(make_app: Callable[..., Flask], fake_line: FakeLine,
                                                                    faq_copy: Path) -> None:
    settings = faq_copy / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("notify_include_text: false", "notify_include_text: true"),
                        encoding="utf-8")
    app = make_app(answerer=Answerer.from_directory(faq_copy), STAFF_NOTIFY_TO=STAFF_ID)
    say(app, URGENT)
    (push,) = notices(fake_line, 1)
    assert f"本文: {URGENT}" in push.json["messages"][0]["text"]


def test_no_notice_for_ordinary_questions_and_none_without_a_target(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    app = make_app(STAFF_NOTIFY_TO=STAFF_ID)
    say(app, QUESTION)
    quiet = make_app()
    say(quiet, URGENT)
    say(quiet, HANDOFF, source={"type": "user", "userId": "U" + "1" * 32})
    time.sleep(0.2)
    assert fake_line.to(PUSH) == []
    assert quiet.test_client().get("/healthz").json["staff_notify"] == "off"


@pytest.mark.parametrize("failure", [Behaviour(500), Behaviour(delay=3)], ids=["500", "hang"])
def test_a_failing_notice_never_delays_or_stops_the_patients_reply(make_app: Callable[..., Flask], fake_line: FakeLine,
                                                                   caplog: pytest.LogCaptureFixture, failure: Behaviour) -> None:
    app = make_app(STAFF_NOTIFY_TO=STAFF_ID, LINE_API_TIMEOUT="0.5", LINE_PUSH_ATTEMPTS="2")
    fake_line.script(PUSH, failure, failure)
    event = text_event(URGENT)
    with caplog.at_level(logging.INFO):
        started = time.monotonic()
        post_signed(app.test_client(), body(event))
        (reply,) = fake_line.wait_for(1, path=REPLY)
        replied_after = reply.answered_at - started
        assert replied_after < 0.4, replied_after  # the notice is sent beside the reply, not before it
        assert app.extensions["faqbot"].notifier.wait_idle(5)
    assert reply.json["replyToken"] == event["replyToken"] and reply.status == 200
    pushes = fake_line.to(PUSH)
    assert len(pushes) == 2 and len({p.headers["x-line-retry-key"] for p in pushes}) == 1  # retried under one key
    assert "staff_notice_failed" in caplog.text and URGENT not in caplog.text


# --- handoff and deletion through the webhook --------------------------------------------


def test_while_handed_off_nothing_is_replied_except_urgent_messages(make_app: Callable[..., Flask], fake_line: FakeLine,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    handoff = say(app, HANDOFF)
    assert "24時間は自動応答を止め" in texts(reply_to(fake_line, handoff))
    with caplog.at_level(logging.INFO, logger="bot.handler"):
        question = say(app, QUESTION)
        tapped = postback_event("faq:side-effects")
        post_signed(app.test_client(), body(tapped))
        settle(app)
    assert reply_to(fake_line, question) is None and reply_to(fake_line, tapped) is None
    assert f"event_silent event_id={question['webhookEventId']}" in caplog.text
    urgent = say(app, URGENT)
    assert "119" in texts(reply_to(fake_line, urgent))  # urgent messages are always answered
    resumed = say(app, "自動応答に戻る")
    assert "自動応答に戻りました" in texts(reply_to(fake_line, resumed))
    again = say(app, QUESTION)
    assert reply_to(fake_line, again) is not None
    # Another patient was never silenced.
    other = say(app, QUESTION, source={"type": "user", "userId": "U" + "2" * 32})
    assert reply_to(fake_line, other) is not None


def test_history_deletion_through_the_webhook(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    app = make_app()
    other_user = "U" + "3" * 32
    say(app, QUESTION)
    say(app, "ダウンタイムは?")
    say(app, QUESTION, source={"type": "user", "userId": other_user})
    assert sorted(r.user_hash for r in logged(app)) == sorted([USER_HASH, USER_HASH, hash_user(other_user, HASH_SECRET)])
    deletion = say(app, "履歴を削除")
    assert "削除しました(2件)" in texts(reply_to(fake_line, deletion))
    assert [r.user_hash for r in logged(app)] == [hash_user(other_user, HASH_SECRET)]


def test_the_log_line_and_the_question_log_name_the_user_by_the_same_hash(make_app: Callable[..., Flask],
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    app = make_app()
    with caplog.at_level(logging.INFO, logger="bot.handler"):
        say(app, QUESTION)
    (row,) = logged(app)
    assert row.user_hash == USER_HASH and f"user={USER_HASH} " in caplog.text
    assert USER_ID not in caplog.text


# --- de-duplication shared through the database ------------------------------------------


def test_two_apps_on_one_database_answer_an_event_once(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    first, second = make_app(), make_app()  # same DATA_DIR: two processes' worth of state
    event = text_event(QUESTION)
    for app in (first, second, first):
        assert post_signed(app.test_client(), body(event)).status_code == 200
        settle(app)
    assert len(fake_line.to(REPLY)) == 1
    assert len(logged(first)) == 1


def test_an_overlong_event_id_is_still_claimed_once(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    app = make_app()
    event = text_event(QUESTION, webhook_event_id="E" * 300)
    for _ in range(2):
        post_signed(app.test_client(), body(event))
        settle(app)
    assert len(fake_line.to(REPLY)) == 1


# --- retention ---------------------------------------------------------------------------


def seed_old_question(store: Store, days: int = 120) -> None:
    store.log_question(kind="fallback", entry_id=None, score=0.0, candidates=(), normalised_text="ふるいしつもん",
                       user_hash="old-user", now=datetime.now(timezone.utc) - timedelta(days=days))


def test_expired_questions_are_purged_on_a_timer_without_any_traffic(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    seeded = Store.from_environment({"DATA_DIR": str(tmp_path / "data")})
    seed_old_question(seeded)
    seeded.close()
    app = make_app(PURGE_INTERVAL_SECONDS="1")
    store = app.extensions["faqbot"].store
    deadline = time.monotonic() + 2
    while logged(app):  # the purge at start
        assert time.monotonic() < deadline, "not purged at start"
        time.sleep(0.05)
    seed_old_question(store)
    seed_old_question(store, days=10)  # within the 90-day retention: kept
    deadline = time.monotonic() + 3
    while len(logged(app)) > 1:  # the next tick, a second later
        assert time.monotonic() < deadline, "not purged on the next tick"
        time.sleep(0.05)
    (kept,) = logged(app)
    assert kept.created_at > datetime.now(timezone.utc) - timedelta(days=11)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_faqbot_purge_works_on_the_apps_database(make_app: Callable[..., Flask], request: pytest.FixtureRequest,
                                                 tmp_path: Path, database: str) -> None:
    env = {"DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": ""}
    if database == "postgresql":
        url, schema = request.getfixturevalue("pg_schema")
        env["DATABASE_URL"] = f"{url}?options=-csearch_path%3D{schema}"
    app = make_app(**{k: v or None for k, v in env.items()})
    assert app.extensions["faqbot"].store.dialect == database
    say(app, QUESTION)
    seed_old_question(app.extensions["faqbot"].store)
    result = CliRunner().invoke(cli, ["purge"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "deleted 1 question(s) older than 90 days" in result.output
    assert [r.kind for r in logged(app)] == ["answer"]
    if database == "postgresql":
        engine = sa.create_engine(url)
        with engine.connect() as conn:  # the app's rows were in that schema, not in public
            assert conn.execute(sa.text(f'SELECT count(*) FROM "{schema}".question_log')).scalar() == 1
        engine.dispose()
