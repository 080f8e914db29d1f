"""A verified webhook body to `LineEvent`s: what happened, where, and what (if anything) to answer.

Parsed from plain JSON, defensively: LINE adds event types and fields over time, and one odd
event must not stop the others in the same POST. The rules about when the bot speaks live
here: 1:1 chats always; groups and rooms only when the bot is mentioned (or a button it sent
is tapped); never in standby mode, and never for unfollow, unsend, leave and the like.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from .conversation import FOLLOW, MEDIA, POSTBACK, TEXT, Incoming

MEDIA_TYPES = frozenset({"sticker", "image", "video", "audio", "file", "location"})
POSTBACK_DATA_MAX = 300
# The console's old "Verify" sent these dummy tokens; replying with them is pointless.
DUMMY_REPLY_TOKENS = frozenset({"0" * 32, "f" * 32})
# A bare "@bot" in a group is a hello: answer it the way the core answers a greeting.
BARE_MENTION_TEXT = "こんにちは"
# JSON may escape a lone surrogate ("\ud800"); it is no character, and nothing downstream
# (UTF-8 for the database and LINE's API, hashing, the tokenizer) can encode it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class PayloadError(ValueError):
    """The body is not a LINE webhook payload (bad JSON or wrong shape)."""


@dataclass(frozen=True)
class Source:
    type: str  # "user", "group", "room", or "" when missing
    user_id: str | None = None
    group_id: str | None = None
    room_id: str | None = None

    @property
    def push_to(self) -> str | None:
        """Where a push message for this chat goes."""
        if self.type == "group":
            return self.group_id
        if self.type == "room":
            return self.room_id
        return self.user_id


@dataclass(frozen=True)
class LineEvent:
    type: str
    event_id: str | None
    reply_token: str | None
    source: Source
    mode: str = "active"
    redelivery: bool = False
    timestamp: int | None = None
    message_type: str | None = None
    incoming: Incoming | None = None  # None: nothing to answer
    reason: str = ""  # why it is answered or not, for the log


def parse_body(body: bytes) -> list[LineEvent]:
    """Events of a webhook body, in order; raise `PayloadError` when it is not a payload."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise PayloadError("body is not JSON") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events", []), list):
        raise PayloadError("body is not a webhook payload")
    return [parse_event(raw) for raw in payload.get("events", [])]


def parse_event(raw: Any) -> LineEvent:
    if not isinstance(raw, dict):
        return LineEvent("invalid", None, None, Source(""), reason="not-an-object")
    source_raw = _dict(raw, "source")
    source = Source(
        _text(source_raw, "type") or "",
        _text(source_raw, "userId"),
        _text(source_raw, "groupId"),
        _text(source_raw, "roomId"),
    )
    message = _dict(raw, "message")
    token = _text(raw, "replyToken")
    event = LineEvent(
        type=(_text(raw, "type") or "unknown")[:40],
        event_id=_text(raw, "webhookEventId"),
        reply_token=None if token in DUMMY_REPLY_TOKENS else token,
        source=source,
        mode=_text(raw, "mode") or "active",
        redelivery=_dict(raw, "deliveryContext").get("isRedelivery") is True,
        timestamp=raw.get("timestamp") if isinstance(raw.get("timestamp"), int) else None,
        message_type=(_text(message, "type") or "unknown")[:40] if raw.get("type") == "message" else None,
    )
    incoming, reason = _decide(event, raw, message)
    return replace(event, incoming=incoming, reason=reason)


def _decide(event: LineEvent, raw: dict, message: dict) -> tuple[Incoming | None, str]:
    if event.mode == "standby":
        return None, "standby"
    if event.type not in ("message", "postback", "follow"):
        return None, f"no-reply:{event.type}"
    if not event.reply_token:
        return None, "no-reply-token"
    user, event_id = event.source.user_id, event.event_id
    in_group = event.source.type in ("group", "room")
    if event.type == "follow":
        if in_group:
            return None, "follow-in-group"
        return Incoming(FOLLOW, user, "", event_id), "follow"
    if event.type == "postback":
        data = _text(_dict(raw, "postback"), "data") or ""
        if len(data) > POSTBACK_DATA_MAX:
            return None, "postback-too-long"
        return Incoming(POSTBACK, user, data, event_id), "postback"
    kind = event.message_type
    if kind == "text":
        text = _text(message, "text") or ""
        if in_group:
            spans = _self_mentions(message)
            if not spans:
                return None, "group-not-mentioned"
            text = strip_spans(text, spans).strip() or BARE_MENTION_TEXT
        return Incoming(TEXT, user, text, event_id), "text"
    if in_group:
        return None, "group-not-mentioned"
    # Known media and any message type LINE adds later: ask for the question in words.
    return Incoming(MEDIA, user, "", event_id), f"media:{kind}"


def _self_mentions(message: dict) -> list[tuple[int, int]]:
    mention = _dict(message, "mention")
    mentionees = mention.get("mentionees")
    spans = []
    for item in mentionees if isinstance(mentionees, list) else []:
        if isinstance(item, dict) and item.get("isSelf") is True:
            index, length = item.get("index"), item.get("length")
            if isinstance(index, int) and isinstance(length, int) and index >= 0 and length > 0:
                spans.append((index, length))
    return spans


def strip_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Remove mention spans (LINE counts UTF-16 code units) from `text`.

    Falls back to counting code points when the UTF-16 span does not start with "@", and
    leaves the text alone when neither reading finds the mention.
    """
    for index, length in sorted(spans, reverse=True):
        units = text.encode("utf-16-le", "surrogatepass")  # a lone surrogate is one unit, as LINE counts
        piece = units[2 * index: 2 * (index + length)].decode("utf-16-le", errors="replace")
        if piece.startswith("@"):
            text = (units[: 2 * index] + units[2 * (index + length):]).decode("utf-16-le", errors="replace")
        elif text[index: index + length].startswith("@"):
            text = text[:index] + text[index + length:]
    return text


def _dict(raw: dict, key: str) -> dict:
    value = raw.get(key)
    return value if isinstance(value, dict) else {}


def _text(raw: dict, key: str) -> str | None:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        return None
    # Ids, tokens and types are ASCII, which holds no surrogate: only other text needs the scan.
    return value if value.isascii() else _LONE_SURROGATE.sub("\ufffd", value)

