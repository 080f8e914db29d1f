import logging
import time
import uuid

import pytest

from bot.line_api import LineApi, classify
from fake_line import Behaviour, FakeLine

REPLY = "/v2/bot/message/reply"
PUSH = "/v2/bot/message/push"
MESSAGES = [{"type": "text", "text": "副作用について"}]


@pytest.fixture
def api(fake_line: FakeLine):
    client = LineApi(endpoint=fake_line.url, access_token="token-123", timeout=0.5, push_attempts=3, push_backoff=0.01)
    yield client
    client.close()


def test_reply_sends_the_token_and_messages_with_the_access_token(api: LineApi, fake_line: FakeLine) -> None:
    result = api.reply("rt-1", MESSAGES, event_id="E1")
    assert result.ok and result.status == 200
    (request,) = fake_line.to(REPLY)
    assert request.json["replyToken"] == "rt-1"
    assert request.json["messages"] == MESSAGES
    assert request.headers["authorization"] == "Bearer token-123"
    assert result.request_id == request.request_id


def test_message_dicts_reach_line_unchanged(api: LineApi, fake_line: FakeLine, answerer) -> None:
    messages = answerer.answer("副作用はありますか").messages + answerer.answer("息苦しい").messages
    api.reply("rt", messages[:5], event_id="E")
    assert fake_line.to(REPLY)[0].json["messages"] == messages[:5]


def test_more_than_five_messages_are_cut_to_five(api: LineApi, fake_line: FakeLine) -> None:
    api.reply("rt", MESSAGES * 7, event_id="E")
    assert len(fake_line.to(REPLY)[0].json["messages"]) == 5


@pytest.mark.parametrize(
    "behaviour, error",
    [
        (Behaviour(400, {"message": "Invalid reply token"}), "invalid-reply-token"),
        (Behaviour(400, {"message": "The request body has 1 error(s)", "details": [{"property": "messages[0].text"}]}), "bad-request"),
        (Behaviour(401, {"message": "Authentication failed"}), "unauthorized"),
        (Behaviour(429, {"message": "Too Many Requests"}), "rate-limited"),
        (Behaviour(500, {"message": "Internal error"}), "server-error"),
        (Behaviour(503, {}), "server-error"),
    ],
)
def test_reply_failures_are_classified_and_logged_with_ids(
    api: LineApi, fake_line: FakeLine, caplog: pytest.LogCaptureFixture, behaviour: Behaviour, error: str
) -> None:
    fake_line.script(REPLY, behaviour)
    with caplog.at_level(logging.INFO):
        result = api.reply("reply-token-xyz", [{"type": "text", "text": "患者さんの秘密の文"}], event_id="E-42")
    assert not result.ok
    assert (result.status, result.error) == (behaviour.status, error)
    (request,) = fake_line.to(REPLY)
    assert result.request_id == request.request_id
    line = caplog.text
    assert "line_api_failed" in line and "event_id=E-42" in line and f"request_id={request.request_id}" in line
    assert f"error={error}" in line
    assert "患者さんの秘密の文" not in line and "reply-token-xyz" not in line


def test_a_hung_reply_times_out(api: LineApi, fake_line: FakeLine, caplog: pytest.LogCaptureFixture) -> None:
    fake_line.script(REPLY, Behaviour(delay=5))
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        result = api.reply("rt", MESSAGES, event_id="E-hang")
    assert time.monotonic() - started < 2
    assert (result.ok, result.error, result.status) == (False, "timeout", None)
    assert "error=timeout" in caplog.text and "event_id=E-hang" in caplog.text


def test_an_unreachable_api_is_a_network_error() -> None:
    api = LineApi(endpoint="http://127.0.0.1:9", access_token="t", connect_timeout=0.5, timeout=0.5)
    result = api.reply("rt", MESSAGES, event_id="E")
    api.close()
    assert (result.ok, result.error) == (False, "network")


def test_a_malformed_message_is_sent_and_lines_400_is_a_bad_request(api: LineApi, fake_line: FakeLine) -> None:
    # The bot's message shapes are checked against the SDK's models in test_message_shapes.py.
    fake_line.script(REPLY, Behaviour(400, {"message": "The request body has 1 error(s)"}))
    result = api.reply("rt", [{"type": "text"}], event_id="E")  # text is required
    assert (result.ok, result.status, result.error) == (False, 400, "bad-request")
    assert fake_line.to(REPLY)[0].json["messages"] == [{"type": "text"}]


@pytest.mark.parametrize("value", [{1, 2}, b"bytes"], ids=["set", "bytes"])
def test_a_message_that_is_not_json_is_not_sent(api: LineApi, fake_line: FakeLine, value: object) -> None:
    result = api.reply("rt", [{"type": "text", "text": value}], event_id="E")
    assert (result.ok, result.error) == (False, "invalid-message")
    assert fake_line.requests == []


def test_requests_are_json_with_the_sdks_user_agent(api: LineApi, fake_line: FakeLine) -> None:
    api.reply("rt", MESSAGES, event_id="E")
    headers = fake_line.to(REPLY)[0].headers
    assert headers["content-type"] == "application/json" and headers["user-agent"].startswith("line-bot-sdk-python/")


def test_the_connection_pool_keeps_one_connection_per_sending_thread(fake_line: FakeLine) -> None:
    api = LineApi(endpoint=fake_line.url, access_token="t", pool_size=17)
    try:
        assert api._client.rest_client.pool_manager.connection_pool_kw["maxsize"] == 17
    finally:
        api.close()


def test_push_carries_a_retry_key(api: LineApi, fake_line: FakeLine) -> None:
    result = api.push("U1", MESSAGES, event_id="E")
    assert result.ok and result.attempts == 1
    (request,) = fake_line.to(PUSH)
    assert request.json["to"] == "U1" and request.json["messages"] == MESSAGES
    assert uuid.UUID(request.headers["x-line-retry-key"])


@pytest.mark.parametrize("failure", [Behaviour(500), Behaviour(502), Behaviour(delay=5)], ids=["500", "502", "timeout"])
def test_push_is_retried_with_the_same_key(api: LineApi, fake_line: FakeLine, failure: Behaviour) -> None:
    fake_line.script(PUSH, failure, failure)
    result = api.push("U1", MESSAGES, event_id="E", retry_key="123e4567-e89b-12d3-a456-426614174000")
    assert result.ok and result.attempts == 3
    requests = fake_line.to(PUSH)
    assert len(requests) == 3
    assert {r.headers["x-line-retry-key"] for r in requests} == {"123e4567-e89b-12d3-a456-426614174000"}


def test_push_retries_are_bounded(api: LineApi, fake_line: FakeLine) -> None:
    fake_line.script(PUSH, *[Behaviour(500)] * 5)
    result = api.push("U1", MESSAGES, event_id="E")
    assert (result.ok, result.error, result.attempts) == (False, "server-error", 3)
    assert len(fake_line.to(PUSH)) == 3


def test_a_409_means_line_already_accepted_the_push(api: LineApi, fake_line: FakeLine) -> None:
    fake_line.script(PUSH, Behaviour(500), Behaviour(409, {"message": "The retry key is already accepted"}))
    result = api.push("U1", MESSAGES, event_id="E")
    assert result.ok and result.status == 409 and result.attempts == 2


@pytest.mark.parametrize("status", [400, 401, 429])
def test_push_is_not_retried_on_client_errors(api: LineApi, fake_line: FakeLine, status: int) -> None:
    fake_line.script(PUSH, Behaviour(status, {"message": "no"}))
    result = api.push("U1", MESSAGES, event_id="E")
    assert not result.ok and result.attempts == 1


def test_every_call_has_a_timeout(monkeypatch: pytest.MonkeyPatch, api: LineApi) -> None:
    seen = []

    def urlopen(*args, **kwargs):
        seen.append(kwargs.get("timeout"))
        raise OSError()

    monkeypatch.setattr(api.pool, "urlopen", urlopen)
    api.reply("rt", MESSAGES, event_id="E")
    api.push("U1", MESSAGES, event_id="E")
    assert len(seen) == 1 + api.push_attempts
    assert all((t.connect_timeout, t.read_timeout) == (3.0, 0.5) for t in seen)


@pytest.mark.parametrize(
    "status, message, error",
    [(400, "Invalid reply token", "invalid-reply-token"), (400, "bad", "bad-request"), (403, "", "unauthorized"),
     (429, "", "rate-limited"), (500, "", "server-error"), (404, "", "http-404"), (None, "", "network")],
)
def test_classify(status, message, error) -> None:
    assert classify(status, message) == error
