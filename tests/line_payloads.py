"""Webhook bodies as LINE sends them, signed, and helpers to post them to an app."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from bot.signature import sign

SECRET = "test-channel-secret"
TOKEN = "test-channel-access-token"
HASH_SECRET = "test-user-hash-secret"  # USER_HASH_SECRET of the test apps and servers
STAFF_ID = "C0123456789abcdef0123456789abcdef"  # STAFF_NOTIFY_TO: a LINE group of the clinic's staff
USER_ID = "U4af4980629000000000000000000abcd"
GROUP_ID = "C4af4980629000000000000000000abcd"
ROOM_ID = "R4af4980629000000000000000000abcd"
_counter = itertools.count(1)


def event_id() -> str:
    return "01HX" + uuid.uuid4().hex[:22].upper()


def source(kind: str = "user") -> dict[str, str]:
    if kind == "group":
        return {"type": "group", "groupId": GROUP_ID, "userId": USER_ID}
    if kind == "room":
        return {"type": "room", "roomId": ROOM_ID, "userId": USER_ID}
    return {"type": "user", "userId": USER_ID}


def event(kind: str, *, chat: str = "user", reply: bool = True, redelivery: bool = False, mode: str = "active",
          webhook_event_id: str | None = None, **fields: Any) -> dict[str, Any]:
    n = next(_counter)
    body: dict[str, Any] = {
        "type": kind,
        "mode": mode,
        "timestamp": 1_700_000_000_000 + n,
        "source": source(chat),
        "webhookEventId": webhook_event_id or event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if reply:
        body["replyToken"] = f"reply-token-{n}-{uuid.uuid4().hex[:8]}"
    body.update(fields)
    return body


def text_event(text: str, *, mention: list[dict[str, Any]] | None = None, **options: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"id": str(next(_counter)), "type": "text", "quoteToken": "q", "text": text}
    if mention is not None:
        message["mention"] = {"mentionees": mention}
    return event("message", message=message, **options)


def media_event(kind: str, **options: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"id": str(next(_counter)), "type": kind}
    if kind == "sticker":
        message.update(packageId="446", stickerId="1988", stickerResourceType="STATIC")
    if kind == "location":
        message.update(title="クリニック", address="東京都", latitude=35.0, longitude=139.0)
    if kind in ("image", "video", "audio"):
        message["contentProvider"] = {"type": "line"}
    if kind == "file":
        message.update(fileName="検査結果.pdf", fileSize=1000)
    return event("message", message=message, **options)


def postback_event(data: str, **options: Any) -> dict[str, Any]:
    return event("postback", postback={"data": data}, **options)


def body(*events: dict[str, Any], destination: str = "Uffffffffffffffffffffffffffffffff") -> bytes:
    return json.dumps({"destination": destination, "events": list(events)}, ensure_ascii=False).encode("utf-8")


def signature(raw: bytes, secret: str = SECRET) -> str:
    return sign(secret, raw)


def post_signed(client: FlaskClient, raw: bytes, *, secret: str = SECRET, headers: dict[str, str] | None = None) -> TestResponse:
    """POST a webhook body the way LINE does: raw JSON with its signature."""
    all_headers = {"Content-Type": "application/json", "X-Line-Signature": signature(raw, secret), **(headers or {})}
    return client.post("/callback", data=raw, headers=all_headers)


def settle(app: Flask, timeout: float = 5.0) -> None:
    """Wait until the app's workers have handled everything acknowledged so far, and written it down."""
    runtime = app.extensions["faqbot"]
    assert runtime.dispatcher.wait_idle(timeout), "workers did not finish in time"
    assert runtime.store.flush_writes(timeout), "the store's deferred writes did not finish in time"
