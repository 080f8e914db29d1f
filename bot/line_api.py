"""Sending to LINE: reply and push as JSON over linebot.v3's connection pool, with explicit timeouts.

The message dicts the bot composes are encoded once (`json.dumps`) and posted on the urllib3
pool of the SDK's `ApiClient`, with the SDK's configuration, auth and user-agent headers:
building the SDK's pydantic request models from them and back cost more CPU than answering the
question, and even `ApiClient.call_api` walks the finished dicts again and wraps each response
twice. Their shape is checked against the SDK's models in the tests instead
(tests/test_message_shapes.py); a malformed message would get LINE's 400 (`bad-request`).

Failures come back as a `SendResult` (never an exception) classified for the caller, and are
logged with the event id and LINE's `x-line-request-id` (never the messages themselves).
Pushes carry an `X-Line-Retry-Key` and are retried with the same key on 5xx and timeouts, so
LINE executes them at most once.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass, replace
from typing import Any, Callable

import urllib3
from linebot.v3.messaging import ApiClient, Configuration

from .logs import log_fields

log = logging.getLogger(__name__)

MAX_MESSAGES = 5  # per reply or push
REPLY_PATH = "/v2/bot/message/reply"
PUSH_PATH = "/v2/bot/message/push"
_JSON = {"Content-Type": "application/json", "Accept": "application/json"}
RETRYABLE = frozenset({"server-error", "timeout", "network"})


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: int | None = None  # HTTP status; None when no response came
    error: str | None = None  # e.g. "invalid-reply-token", "rate-limited", "server-error", "timeout"
    request_id: str | None = None  # LINE's x-line-request-id
    attempts: int = 1
    ms: int = 0


def classify(status: int | None, line_message: str) -> str:
    if status == 400 and "reply token" in line_message.lower():
        return "invalid-reply-token"
    if status == 400:
        return "bad-request"
    if status in (401, 403):
        return "unauthorized"
    if status == 429:
        return "rate-limited"
    if status is not None and status >= 500:
        return "server-error"
    return f"http-{status}" if status else "network"


class LineApi:
    """The two calls the bot makes. Thread-safe: one instance serves every worker thread."""

    def __init__(
        self,
        *,
        endpoint: str,
        access_token: str,
        connect_timeout: float = 3.0,
        timeout: float = 10.0,
        push_attempts: int = 3,
        push_backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        pool_size: int = 10,
    ) -> None:
        configuration = Configuration(host=endpoint, access_token=access_token)
        configuration.retries = False  # retrying is decided here, with retry keys, not by urllib3
        # One kept-alive connection per sending thread: past the pool's size urllib3 opens a
        # new connection for each extra thread's call and throws it away afterwards.
        configuration.connection_pool_maxsize = pool_size
        self._client = ApiClient(configuration)
        # The headers `call_api` would send: ours, then the client's (Authorization, User-Agent).
        self._headers = {**_JSON, **self._client.default_headers}
        self._timeout = urllib3.Timeout(connect=connect_timeout, read=timeout)
        # The pool for LINE's host, looked up once instead of per call.
        self.pool = self._client.rest_client.pool_manager.connection_from_url(endpoint)
        self._base_path = urllib3.util.parse_url(endpoint).path or ""
        self.push_attempts = push_attempts
        self.push_backoff = push_backoff
        self._sleep = sleep

    def reply(self, reply_token: str, messages: list[dict[str, Any]], *, event_id: str | None) -> SendResult:
        body = {"replyToken": reply_token, "messages": _at_most_five(messages, event_id)}
        return self._call("reply", event_id, lambda: self._post(REPLY_PATH, body))

    def push(self, to: str, messages: list[dict[str, Any]], *, event_id: str | None, retry_key: str | None = None) -> SendResult:
        """Push with a retry key; bounded retries on 5xx, timeouts and network errors."""
        key = retry_key or str(uuid.uuid4())
        body = {"to": to, "messages": _at_most_five(messages, event_id)}

        def send():
            return self._post(PUSH_PATH, body, {"X-Line-Retry-Key": key})

        for attempt in range(1, self.push_attempts + 1):
            result = replace(self._call("push", event_id, send, attempt=attempt), attempts=attempt)
            if result.status == 409:
                # LINE already accepted a request with this key: the message went out once.
                return replace(result, ok=True, error=None)
            if result.ok or result.error not in RETRYABLE or attempt == self.push_attempts:
                return result
            self._sleep(self.push_backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def close(self) -> None:
        self._client.close()
        self._client.rest_client.pool_manager.clear()

    def _post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> urllib3.BaseHTTPResponse:
        """POST `body` as JSON; a `TypeError`/`ValueError` when it holds something JSON cannot carry."""
        data = json.dumps(body).encode()  # what the SDK sends: ASCII JSON
        return self.pool.urlopen(
            "POST", self._base_path + path, body=data, headers={**self._headers, **headers} if headers else self._headers,
            timeout=self._timeout, retries=False, redirect=False, preload_content=True,
        )

    def _call(self, call: str, event_id: str | None, send: Callable[[], Any], attempt: int = 1) -> SendResult:
        started = time.monotonic()
        status: int | None = None
        request_id: str | None = None
        line_message = ""
        try:
            response = send()
            status = response.status
            request_id = _header(response.headers, "x-line-request-id")
            if 200 <= status <= 299:
                return SendResult(True, status, None, request_id, ms=_ms(started))
            line_message = _line_message(response.data)
            error = classify(status, line_message) if status != 409 else "conflict"
        except urllib3.exceptions.NewConnectionError:  # a ConnectTimeoutError subclass, but refused
            error = "network"
        except urllib3.exceptions.TimeoutError:
            error = "timeout"
        except (urllib3.exceptions.HTTPError, OSError):
            error = "network"
        except (TypeError, ValueError, AttributeError):
            error = "invalid-message"  # a value JSON cannot carry: nothing was sent
        result = SendResult(False, status, error, request_id, ms=_ms(started))
        log_fields(
            log, "line_api_failed", call=call, event_id=event_id, attempt=attempt, status=status, error=error,
            request_id=request_id, line_message=line_message or None, ms=result.ms,
            level=logging.INFO if status == 409 else logging.WARNING,
        )
        return result


def _at_most_five(messages: list[dict[str, Any]], event_id: str | None) -> list[dict[str, Any]]:
    if len(messages) > MAX_MESSAGES:
        log_fields(log, "messages_truncated", event_id=event_id, count=len(messages), level=logging.WARNING)
    return messages[:MAX_MESSAGES]


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    return str(value) if value else None


def _line_message(body: Any) -> str:
    """LINE's own error summary (e.g. "Invalid reply token"); it never echoes the user's text."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    try:
        message = json.loads(body).get("message", "") if body else ""
    except (ValueError, AttributeError):
        return ""
    return str(message)[:120]


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
