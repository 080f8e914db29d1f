"""`POST /callback`: verify, parse, hand the events to the worker pool, answer at once.

A plain WSGI handler in front of Flask (`WebhookEndpoint` wraps `app.wsgi_app`): the webhook is
the one route under load, and Flask's request and response objects cost more CPU than the
signature, the parsing and the queueing together. Every other path goes to Flask unchanged.
Nothing here waits on LINE's API or the database; the handlers run on the dispatcher's threads.
"""

from __future__ import annotations

import json
import logging
import time
from functools import partial
from http import HTTPStatus
from typing import Any, Callable, Iterable

from flask import Flask, request
from werkzeug.exceptions import RequestEntityTooLarge

from .line_events import PayloadError, parse_body
from .logs import log_fields
from .signature import verify

log = logging.getLogger(__name__)

PATH = "/callback"
NOT_CONFIGURED = "not configured: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN"

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]
Response = tuple[int, bytes, tuple[tuple[str, str], ...]]


def _json(status: int, payload: dict[str, str], *headers: tuple[str, str]) -> Response:
    """Flask's compact JSON (sorted keys, a final newline), encoded once per distinct answer."""
    return status, json.dumps(payload, separators=(",", ":"), sort_keys=True).encode() + b"\n", headers


OK = _json(200, {"status": "ok"})
BUSY = _json(503, {"error": "busy"}, ("Retry-After", "1"))
TOO_LARGE = _json(413, {"error": "payload too large"})
METHOD_NOT_ALLOWED = _json(405, {"error": "method not allowed"}, ("Allow", "POST"))
_REJECTIONS = {
    reason: _json(status, {"error": reason})
    for reason, status in (("missing-signature", 400), ("bad-signature", 400), ("malformed-payload", 400),
                           ("incomplete-body", 400))
}
_STATUS_LINES = {status: f"{status} {HTTPStatus(status).phrase}" for status in (200, 400, 405, 413, 503)}


class _TooLarge(Exception):
    pass


class _Incomplete(Exception):
    pass


class WebhookEndpoint:
    """WSGI middleware: `/callback` is answered here, any other path by `app` (Flask)."""

    def __init__(self, app: WsgiApp, runtime: Callable[[], Any]) -> None:
        self.app = app
        self._runtime = runtime  # the app's `webapp.Runtime`, looked up per request

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH:
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        status, body, headers = self.callback(environ) if method == "POST" else METHOD_NOT_ALLOWED
        start_response(_STATUS_LINES[status], [("Content-Type", "application/json"), ("Content-Length", str(len(body))), *headers])
        return [] if method == "HEAD" else [body]

    def callback(self, environ: Environ) -> Response:
        received = time.monotonic()
        runtime = self._runtime()
        if not runtime.configured:
            log_fields(log, "webhook_rejected", reason="not-configured", level=logging.WARNING)
            return _json(503, {"error": NOT_CONFIGURED})
        try:
            body = read_body(environ, runtime.config.max_body_bytes)
        except _TooLarge:
            log_fields(log, "webhook_rejected", reason="too-large", path=PATH, level=logging.WARNING)
            return TOO_LARGE
        except _Incomplete:
            return _reject("incomplete-body")  # the client went away mid-body
        # The server puts every header in the environ under its upper-case name, whatever the case sent.
        signature = environ.get("HTTP_X_LINE_SIGNATURE")
        if not signature:
            return _reject("missing-signature")
        if not verify(runtime.config.channel_secret, body, signature):
            return _reject("bad-signature")
        try:
            events = parse_body(body)
        except PayloadError:
            return _reject("malformed-payload")
        if not events:
            log_fields(log, "webhook_verify")
            return OK
        jobs = [partial(runtime.handler, event, received) for event in events]
        if not runtime.dispatcher.submit(jobs):
            # LINE redelivers a refused webhook when redelivery is on; nothing was claimed yet.
            log_fields(log, "webhook_busy", events=len(events), pending=runtime.dispatcher.pending, level=logging.ERROR)
            return BUSY
        log_fields(log, "webhook_accepted", events=len(events), ms=round((time.monotonic() - received) * 1000))
        return OK


def read_body(environ: Environ, limit: int) -> bytes:
    """The raw body; `_TooLarge` past `limit`, whether announced by Content-Length or sent chunked."""
    stream = environ["wsgi.input"]
    length = content_length(environ)
    if length is None:
        if not environ.get("wsgi.input_terminated"):
            return b""  # a stream without a length the server does not end: unsafe to read (as werkzeug)
        # Chunked: the server (gunicorn) de-chunks and ends the stream; read one byte past the limit.
        body = _read(stream, limit + 1)
        if len(body) > limit:
            raise _TooLarge()
        return body
    if length > limit:
        raise _TooLarge()
    body = _read(stream, length)
    if len(body) < length:
        raise _Incomplete()
    return body


def content_length(environ: Environ) -> int | None:
    """Content-Length as werkzeug reads it: None when absent or chunked, 0 when not a number."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return None
    value = environ.get("CONTENT_LENGTH")
    if value is None or value == "":
        return None
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() else 0


def _read(stream: Any, size: int) -> bytes:
    """Up to `size` bytes: a WSGI stream may return less than asked before its end."""
    parts: list[bytes] = []
    left = size
    try:
        while left > 0:
            part = stream.read(left)
            if not part:
                break
            parts.append(part)
            left -= len(part)
    except OSError:
        raise _Incomplete() from None  # the connection broke mid-body
    return b"".join(parts)


def _reject(reason: str) -> Response:
    """Refuse without a word about the body: not its size, not its content."""
    log_fields(log, "webhook_rejected", reason=reason, level=logging.WARNING)
    return _REJECTIONS[reason]


def install(app: Flask) -> None:
    """Serve `/callback` in front of `app`; a body over the limit on any other route gets the same 413."""
    app.wsgi_app = WebhookEndpoint(app.wsgi_app, lambda: app.extensions["faqbot"])  # type: ignore[method-assign]
    app.register_error_handler(RequestEntityTooLarge, _too_large)


def _too_large(error: RequestEntityTooLarge) -> tuple[dict[str, str], int]:
    log_fields(log, "webhook_rejected", reason="too-large", path=request.path, level=logging.WARNING)
    return {"error": "payload too large"}, 413
