"""The `webhook` blueprint: verify, parse, hand the events to the worker pool, answer at once.

Nothing here waits on LINE's API or the database; the handlers run on the dispatcher's threads.
"""

from __future__ import annotations

import logging
import time
from functools import partial

from flask import Blueprint, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from .line_events import PayloadError, parse_body
from .logs import log_fields
from .signature import verify

log = logging.getLogger(__name__)

bp = Blueprint("webhook", __name__)


def _runtime():
    return current_app.extensions["faqbot"]


@bp.post("/callback")
def callback():
    received = time.monotonic()
    runtime = _runtime()
    if not runtime.configured:
        log_fields(log, "webhook_rejected", reason="not-configured", level=logging.WARNING)
        return {"error": "not configured: set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN"}, 503
    body = _read_body(runtime.config.max_body_bytes)
    # Werkzeug's headers are case-insensitive: x-line-signature and X-Line-Signature both match.
    signature = request.headers.get("X-Line-Signature")
    if not signature:
        return _reject("missing-signature", 400)
    if not verify(runtime.config.channel_secret, body, signature):
        return _reject("bad-signature", 400)
    try:
        events = parse_body(body)
    except PayloadError:
        return _reject("malformed-payload", 400)
    if not events:
        log_fields(log, "webhook_verify")
        return {"status": "ok"}
    jobs = [partial(runtime.handler, event, received) for event in events]
    if not runtime.dispatcher.submit(jobs):
        # LINE redelivers a refused webhook when redelivery is on; nothing was claimed yet.
        log_fields(log, "webhook_busy", events=len(events), pending=runtime.dispatcher.pending, level=logging.ERROR)
        return {"error": "busy"}, 503, {"Retry-After": "1"}
    log_fields(log, "webhook_accepted", events=len(events), ms=round((time.monotonic() - received) * 1000))
    return {"status": "ok"}


@bp.app_errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    log_fields(log, "webhook_rejected", reason="too-large", path=request.path, level=logging.WARNING)
    return {"error": "payload too large"}, 413


def _read_body(limit: int) -> bytes:
    """The raw body; 413 past `limit`, whether announced by Content-Length or sent chunked."""
    if request.content_length is not None or not request.environ.get("wsgi.input_terminated"):
        return request.get_data(cache=False)  # werkzeug refuses a Content-Length over the limit
    # Chunked: the server (gunicorn) de-chunks and ends the stream; read one byte past the limit.
    body = request.environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge()
    return body


def _reject(reason: str, status: int):
    """Refuse without a word about the body: not its size, not its content."""
    log_fields(log, "webhook_rejected", reason=reason, level=logging.WARNING)
    return {"error": reason}, status
