import io
import json
import logging
import time
import uuid
from typing import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.answering import Answerer
from bot.config import Config, ConfigError
from bot.webapp import Runtime, create_app
from bot.webhook import WebhookEndpoint
from fake_line import Behaviour, FakeLine
from line_payloads import (
    GROUP_ID,
    SECRET,
    USER_ID,
    body,
    event,
    media_event,
    post_signed,
    postback_event,
    settle,
    signature,
    text_event,
)

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"


def replies(fake: FakeLine, count: int = 1) -> list:
    return fake.wait_for(count, path=REPLY)


# --- the factory -------------------------------------------------------------------------


def test_the_runtime_is_exposed_for_other_features(app: Flask, answerer: Answerer) -> None:
    runtime = app.extensions["faqbot"]
    assert isinstance(runtime, Runtime)
    assert runtime.answerer() is answerer
    assert runtime.conversation.answerer is answerer
    assert runtime.dedup.claim("x") and not runtime.dedup.claim("x")
    assert runtime.dispatcher.accepting
    assert isinstance(app.wsgi_app, WebhookEndpoint)


def test_replacing_the_answerer_reaches_the_conversation(app: Flask, answerer: Answerer) -> None:
    runtime = app.extensions["faqbot"]
    other = Answerer(answerer.knowledge)
    runtime.answerer = lambda: other
    assert runtime.conversation.answerer is other


def test_create_app_reads_the_faq_directory_and_clinic_settings_from_the_environment(faq_copy, tmp_path) -> None:
    app = create_app({"FAQ_DIR": str(faq_copy), "BOOKING_URL": "https://clinic.example.jp/yoyaku", "DATA_DIR": str(tmp_path / "data")})
    try:
        answerer = app.extensions["faqbot"].answerer()
        assert answerer.knowledge.directory == faq_copy
        assert answerer.settings.booking_url == "https://clinic.example.jp/yoyaku"
    finally:
        app.extensions["faqbot"].close(1)


def test_create_app_without_arguments_reads_the_process_environment_and_dotenv(tmp_path, monkeypatch, faq_copy) -> None:
    (tmp_path / ".env").write_text(f"FAQ_DIR={faq_copy}\nBOOKING_URL=https://from-dotenv.example.jp/\nCLINIC_PHONE=03-1111-2222\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOOKING_URL", "https://from-env.example.jp/")
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "DATABASE_URL", "DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    try:
        settings = app.extensions["faqbot"].answerer().settings
        assert settings.booking_url == "https://from-env.example.jp/"  # the environment wins over .env
        assert settings.phone == "03-1111-2222"
    finally:
        app.extensions["faqbot"].close(1)


@pytest.mark.parametrize("url", ["http://clinic.example.jp/", "javascript:alert(1)", "https://example.jp/" + "x" * 1000])
def test_a_booking_url_line_would_reject_stops_startup(answerer: Answerer, url: str) -> None:
    with pytest.raises(ConfigError, match="BOOKING_URL"):
        create_app({"BOOKING_URL": url})


def test_bad_numbers_in_the_environment_stop_startup(answerer: Answerer) -> None:
    with pytest.raises(ConfigError, match="WEBHOOK_WORKERS"):
        create_app({"WEBHOOK_WORKERS": "many"}, answerer=answerer)


def test_config_object_is_accepted(answerer: Answerer, fake_line: FakeLine, tmp_path) -> None:
    config = Config(channel_secret=SECRET, access_token="t", api_endpoint=fake_line.url, user_hash_secret="k", data_dir=tmp_path)
    app = create_app(config, answerer=answerer)
    try:
        assert app.extensions["faqbot"].configured
    finally:
        app.extensions["faqbot"].close(1)


# --- health ------------------------------------------------------------------------------


def test_healthz_reports_entries_and_version(client: FlaskClient, answerer: Answerer) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["faq_entries"] == len(answerer.knowledge.entries)
    assert response.json["faq_version"] == answerer.version
    assert response.json["faq_error"] is None
    assert response.json["database"] == "ok"
    assert response.json["line"] == "configured"


def test_healthz_says_draining_after_shutdown_began(app: Flask, client: FlaskClient) -> None:
    app.extensions["faqbot"].close(1)
    assert client.get("/healthz").status_code == 503


# --- without LINE credentials ------------------------------------------------------------


def test_without_credentials_the_app_starts_and_callback_says_not_configured(answerer: Answerer, fake_line: FakeLine, tmp_path) -> None:
    app = create_app({"LINE_API_ENDPOINT": fake_line.url, "DATA_DIR": str(tmp_path)}, answerer=answerer)
    client = app.test_client()
    try:
        raw = body(text_event("料金"))
        response = client.post("/callback", data=raw, headers={"X-Line-Signature": signature(raw, "")})
        assert response.status_code == 503 and "not configured" in response.json["error"]
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json["line"] == "not-configured"
    finally:
        app.extensions["faqbot"].close(1)
    assert fake_line.requests == []


# --- signature and body ------------------------------------------------------------------


def test_a_signed_text_event_is_acknowledged_then_answered(app: Flask, client: FlaskClient, fake_line: FakeLine, answerer: Answerer) -> None:
    raw_event = text_event("副作用はありますか")
    response = post_signed(client, body(raw_event))
    assert response.status_code == 200
    (request,) = replies(fake_line)
    assert request.json["replyToken"] == raw_event["replyToken"]
    assert request.json["messages"] == answerer.answer("副作用はありますか").messages


def test_the_signature_header_is_read_case_insensitively(client: FlaskClient, fake_line: FakeLine) -> None:
    raw = body(text_event("料金"))
    response = client.post("/callback", data=raw, headers={"x-line-signature": signature(raw)})
    assert response.status_code == 200
    assert replies(fake_line)


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-Line-Signature": ""}, {"X-Line-Signature": "bm90IGEgc2lnbmF0dXJl"}, {"X-Line-Signature": "wrong"}],
    ids=["missing", "empty", "wrong", "garbage"],
)
def test_a_missing_or_wrong_signature_is_400_and_nothing_happens(
    app: Flask, client: FlaskClient, fake_line: FakeLine, caplog: pytest.LogCaptureFixture, headers: dict
) -> None:
    raw = body(text_event("私は山田花子です。副作用はありますか"))
    with caplog.at_level(logging.DEBUG):
        response = client.post("/callback", data=raw, headers=headers)
    assert response.status_code == 400
    settle(app)
    time.sleep(0.05)
    assert fake_line.requests == []
    assert "webhook_rejected" in caplog.text
    assert "山田" not in caplog.text and USER_ID not in caplog.text and str(len(raw)) not in caplog.text


def test_a_body_signed_with_another_secret_is_rejected(client: FlaskClient) -> None:
    assert post_signed(client, body(text_event("料金")), secret="someone-elses-secret").status_code == 400


def test_a_tampered_body_is_rejected(client: FlaskClient) -> None:
    raw = body(text_event("料金"))
    tampered = raw.replace("料金".encode(), "予約".encode())
    response = client.post("/callback", data=tampered, headers={"X-Line-Signature": signature(raw)})
    assert response.status_code == 400


def test_an_oversized_body_is_413_before_anything_else(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    client = make_app(WEBHOOK_MAX_BODY_BYTES="2048").test_client()
    raw = body(*[text_event("料金" * 20) for _ in range(10)])
    assert len(raw) > 2048
    assert post_signed(client, raw).status_code == 413
    assert client.post("/callback", data=raw).status_code == 413  # unsigned too
    assert fake_line.requests == []


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'{"events": "x"}', b"\xff\xfe\xfd"])
def test_malformed_json_under_a_valid_signature_is_400(client: FlaskClient, fake_line: FakeLine, raw: bytes) -> None:
    assert post_signed(client, raw).status_code == 400
    assert fake_line.requests == []


def test_the_consoles_verify_request_is_200(client: FlaskClient, fake_line: FakeLine) -> None:
    response = post_signed(client, b'{"destination":"Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","events":[]}')
    assert response.status_code == 200
    assert fake_line.requests == []


def test_get_on_the_callback_is_not_allowed(client: FlaskClient) -> None:
    assert client.get("/callback").status_code == 405


# --- acknowledge fast, process once ------------------------------------------------------


def test_the_response_does_not_wait_for_line(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    fake_line.delay = 1.0
    app = make_app()
    started = time.monotonic()
    response = post_signed(app.test_client(), body(text_event("料金はいくら")))
    elapsed = time.monotonic() - started
    assert response.status_code == 200 and elapsed < 0.2
    assert fake_line.requests == [] or fake_line.requests[0].status is None
    assert replies(fake_line)[0].status == 200


def test_several_events_in_one_post_are_each_answered(app: Flask, client: FlaskClient, fake_line: FakeLine) -> None:
    events = [text_event("料金"), text_event("ダウンタイムは"), event("unfollow", reply=False), postback_event("faq:booking")]
    assert post_signed(client, body(*events)).status_code == 200
    settle(app)
    tokens = sorted(r.json["replyToken"] for r in fake_line.to(REPLY))
    assert tokens == sorted(e["replyToken"] for e in events if "replyToken" in e)


def test_a_redelivered_event_is_not_answered_twice(app: Flask, client: FlaskClient, fake_line: FakeLine) -> None:
    raw_event = text_event("副作用はありますか")
    post_signed(client, body(raw_event))
    settle(app)
    again = dict(raw_event, deliveryContext={"isRedelivery": True})
    assert post_signed(client, body(again)).status_code == 200
    settle(app)
    assert len(fake_line.to(REPLY)) == 1


def test_the_same_event_twice_in_quick_succession_is_answered_once(app: Flask, client: FlaskClient, fake_line: FakeLine) -> None:
    raw_event = text_event("副作用はありますか")
    post_signed(client, body(raw_event, raw_event))
    post_signed(client, body(raw_event))
    settle(app)
    assert len(fake_line.to(REPLY)) == 1


def test_a_full_queue_answers_503_and_a_later_redelivery_is_processed(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    fake_line.delay = 0.5
    app = make_app(WEBHOOK_WORKERS="1", WEBHOOK_QUEUE_SIZE="2")
    client = app.test_client()
    assert post_signed(client, body(text_event("料金"), text_event("予約"))).status_code == 200
    refused = text_event("副作用")
    response = post_signed(client, body(refused))
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    settle(app)
    fake_line.delay = 0
    redelivered = dict(refused, deliveryContext={"isRedelivery": True})
    assert post_signed(client, body(redelivered)).status_code == 200
    settle(app)
    assert refused["replyToken"] in [r.json["replyToken"] for r in fake_line.to(REPLY)]


# --- every event type --------------------------------------------------------------------


def test_postback_answers_the_chosen_entry(app: Flask, client: FlaskClient, fake_line: FakeLine, answerer: Answerer) -> None:
    post_signed(client, body(postback_event("faq:side-effects")))
    (request,) = replies(fake_line)
    assert request.json["messages"] == answerer.answer_entry("side-effects").messages


def test_postback_with_an_unknown_entry_gets_the_non_text_reply(app: Flask, client: FlaskClient, fake_line: FakeLine, answerer: Answerer) -> None:
    post_signed(client, body(postback_event("faq:no-such-entry")))
    assert replies(fake_line)[0].json["messages"] == answerer.non_text()


def test_follow_gets_the_greeting(client: FlaskClient, fake_line: FakeLine, answerer: Answerer) -> None:
    post_signed(client, body(event("follow", follow={"isUnblocked": False})))
    (request,) = replies(fake_line)
    assert request.json["messages"] == answerer.welcome()
    text = request.json["messages"][0]["text"]
    assert answerer.settings.booking_url in text  # how to book
    assert "医療相談ではありません" in text  # not a medical consultation
    assert "お名前" in text and "送らないでください" in text  # no names or medical details


@pytest.mark.parametrize("kind", ["sticker", "image", "video", "audio", "file", "location"])
def test_media_gets_the_non_text_reply(client: FlaskClient, fake_line: FakeLine, answerer: Answerer, kind: str) -> None:
    post_signed(client, body(media_event(kind)))
    assert replies(fake_line)[0].json["messages"] == answerer.non_text()


@pytest.mark.parametrize(
    "raw_event",
    [
        event("unsend", reply=False, unsend={"messageId": "1"}),
        event("unfollow", reply=False),
        event("leave", chat="group", reply=False),
        text_event("副作用は?", mode="standby"),
        text_event("副作用は?", chat="group"),
        text_event("副作用は?", chat="room"),
        event("brandNewEventType", replyToken="rt", something={"nested": [1, None]}),
        {"type": "message"},
        "not an event",
    ],
    ids=["unsend", "unfollow", "leave", "standby", "group-no-mention", "room-no-mention", "unknown-type", "bare", "string"],
)
def test_events_that_get_no_reply(app: Flask, client: FlaskClient, fake_line: FakeLine, raw_event) -> None:
    assert post_signed(client, body(raw_event)).status_code == 200
    settle(app)
    assert fake_line.requests == []


def test_a_group_message_mentioning_the_bot_is_answered_without_the_mention(
    app: Flask, client: FlaskClient, fake_line: FakeLine, answerer: Answerer
) -> None:
    raw_event = text_event("@院長Bot 副作用はありますか", chat="group", mention=[{"index": 0, "length": 6, "type": "user", "isSelf": True}])
    post_signed(client, body(raw_event))
    assert replies(fake_line)[0].json["messages"] == answerer.answer("副作用はありますか").messages


# --- LINE API failures -------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure, error",
    [
        (Behaviour(400, {"message": "Invalid reply token"}), "invalid-reply-token"),
        (Behaviour(429, {"message": "Too Many Requests"}), "rate-limited"),
        (Behaviour(500, {"message": "Internal Server Error"}), "server-error"),
        (Behaviour(delay=3), "timeout"),
    ],
    ids=["400", "429", "500", "hang"],
)
def test_line_failures_are_logged_and_the_worker_carries_on(
    make_app: Callable[..., Flask], fake_line: FakeLine, caplog: pytest.LogCaptureFixture, failure: Behaviour, error: str
) -> None:
    app = make_app(LINE_API_TIMEOUT="0.3", WEBHOOK_WORKERS="1")
    client = app.test_client()
    fake_line.script(REPLY, failure)
    failing = text_event("私は山田です。副作用はありますか")
    with caplog.at_level(logging.INFO):
        assert post_signed(client, body(failing)).status_code == 200
        settle(app)
        # The same worker still answers the next event.
        post_signed(client, body(text_event("料金")))
        settle(app)
    assert fake_line.wait_for(2, path=REPLY, answered=False)
    failed = [r for r in caplog.records if "event_reply_failed" in r.getMessage()]
    assert len(failed) == 1
    record = failed[0].getMessage()
    assert f"event_id={failing['webhookEventId']}" in record and f"error={error}" in record
    if error != "timeout":
        assert f"request_id={fake_line.to(REPLY)[0].request_id}" in record
    assert "山田" not in caplog.text and USER_ID not in caplog.text
    assert "event_replied" in caplog.text


def test_an_urgent_reply_with_a_dead_token_is_pushed_once(make_app: Callable[..., Flask], fake_line: FakeLine, answerer: Answerer) -> None:
    app = make_app(LINE_API_TIMEOUT="0.3")
    fake_line.script(REPLY, Behaviour(400, {"message": "Invalid reply token"}))
    fake_line.script(PUSH, Behaviour(500), Behaviour(delay=3))  # then success
    raw_event = text_event("施術のあと息が苦しいです")
    post_signed(app.test_client(), body(raw_event))
    settle(app)
    pushes = fake_line.to(PUSH)
    assert len(pushes) == 3
    assert {p.headers["x-line-retry-key"] for p in pushes} == {pushes[0].headers["x-line-retry-key"]}
    assert uuid.UUID(pushes[0].headers["x-line-retry-key"])
    assert pushes[-1].json["to"] == USER_ID
    assert pushes[-1].json["messages"] == answerer.answer("施術のあと息が苦しいです").messages


def test_an_urgent_push_in_a_group_goes_to_the_group(app: Flask, client: FlaskClient, fake_line: FakeLine) -> None:
    fake_line.script(REPLY, Behaviour(400, {"message": "Invalid reply token"}))
    post_signed(client, body(text_event("@Bot 息苦しい", chat="group", mention=[{"index": 0, "length": 4, "type": "user", "isSelf": True}])))
    settle(app)
    assert fake_line.to(PUSH)[0].json["to"] == GROUP_ID


def test_a_normal_answer_is_never_pushed(app: Flask, client: FlaskClient, fake_line: FakeLine) -> None:
    fake_line.script(REPLY, Behaviour(400, {"message": "Invalid reply token"}))
    post_signed(client, body(text_event("副作用はありますか")))
    settle(app)
    assert fake_line.to(PUSH) == []


# --- privacy -----------------------------------------------------------------------------


def test_application_logs_hold_no_text_and_no_user_id(app: Flask, client: FlaskClient, fake_line: FakeLine, caplog: pytest.LogCaptureFixture) -> None:
    events = [text_event("山田花子です。ピル服用中ですが副作用は?"), postback_event("faq:pregnancy"), media_event("file")]
    with caplog.at_level(logging.DEBUG):
        post_signed(client, body(*events))
        settle(app)
    assert "webhook_accepted events=3" in caplog.text
    for secret in ("山田", "ピル", USER_ID, "検査結果", events[0]["replyToken"]):
        assert secret not in caplog.text
    for record in caplog.records:
        assert "\n" not in record.getMessage()


def test_responses_are_json(client: FlaskClient) -> None:
    response = post_signed(client, b'{"events":[]}')
    assert json.loads(response.data) == {"status": "ok"}


def test_an_oversized_chunked_body_is_413_too(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    client = make_app(WEBHOOK_MAX_BODY_BYTES="2048").test_client()
    for size, expected in ((2047, 200), (2048, 200), (2049, 413), (50_000, 413)):
        raw = body(text_event("x"))
        raw = raw[:-2] + b" " * (size - len(raw)) + raw[-2:]
        assert len(raw) == size
        # What a server that de-chunks the body (gunicorn) hands over: a stream without a length.
        response = client.post(
            "/callback",
            input_stream=io.BytesIO(raw),
            headers={"X-Line-Signature": signature(raw), "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )
        assert response.status_code == expected, size


def test_a_replacement_dedup_is_used_for_the_next_event(app: Flask, client: FlaskClient, fake_line: FakeLine) -> None:
    claimed: list[str] = []

    class SeenEverything:
        def claim(self, event_id: str) -> bool:
            claimed.append(event_id)
            return False

    app.extensions["faqbot"].dedup = SeenEverything()
    raw_event = text_event("料金")
    post_signed(client, body(raw_event))
    settle(app)
    assert claimed == [raw_event["webhookEventId"]]
    assert fake_line.requests == []
