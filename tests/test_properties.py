"""Property-based tests: whatever text or JSON arrives, the bot answers within LINE's rules or
refuses the body with 400, and no exception escapes a worker.

Inputs: any Unicode (lone surrogates, control characters, RTL marks, emoji ZWJ sequences,
characters NFKC blows up), strings of 100,000 characters, deeply nested JSON and a wrong type
in every field of LINE's payload. Hypothesis runs derandomised without an example database,
so every run (and CI) tries the same cases.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings, strategies as st

from bot.answering import Answerer
from bot.line_events import LineEvent, PayloadError, parse_body, parse_event, strip_spans
from bot.normalize import MAX_CHARS, Normalised
from bot.smalltalk import smalltalk_kind, strip_smalltalk
from bot.urgent import is_urgent
from bot.webapp import create_app
from fake_line import FakeLine
from line_payloads import HASH_SECRET, SECRET, TOKEN, body, event, media_event, post_signed, postback_event, settle, text_event
from test_message_limits import accepted_by_the_sdk, problems

pytestmark = pytest.mark.timeout(60)

KINDS = {"answer", "suggest", "fallback", "urgent", "smalltalk"}
HUGE = 100_000


def fixed(max_examples: int) -> settings:
    """The same examples on every run: no deadline (CI machines vary), no example database."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                           HealthCheck.data_too_large, HealthCheck.large_base_example])


# -- strategies ---------------------------------------------------------------------------

# Pieces that have broken text handling somewhere: lone surrogates, C0/C1 controls, bidi and
# zero-width marks, ZWJ emoji, combining marks, NFKC expansions (﷽ is 18 characters after
# NFKC), half-width kana, the last code points, and words the bot reacts to.
SPECIAL = [
    "\ud800", "\udfff", "\udbff\udc00"[0], "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\u2028", "\r\n", "\t",
    "\u202e", "\u200f", "\u200e", "\u2066", "\u200b", "\u200d", "\ufeff", "\ufe0f",
    "👩\u200d👩\u200d👧\u200d👦", "🏳️\u200d🌈", "🙏🏻", "e\u0301\u0301", "か\u3099", "\ufdfa", "㍿", "ｴｸｿｿｰﾑ",
    "\U0010ffff", "\uffff", "\ufffd", "@", "ー", "〜", "ｗｗｗ", "ok", "",
    "副作用", "息苦しい", "こんにちは", "料金", "予約", "スタッフと話したい", "履歴を削除", "エクソソーム", "とは",
]
any_char = st.characters(exclude_categories=())  # every code point, surrogates included
tricky_text = st.one_of(
    st.text(any_char, max_size=60),
    st.lists(st.sampled_from(SPECIAL) | st.text(any_char, max_size=3), max_size=25).map("".join),
)
huge_text = st.tuples(tricky_text.filter(bool), st.integers(0, 50)).map(
    lambda pair: (pair[0] * (HUGE // len(pair[0]) + 1))[pair[1]: pair[1] + HUGE]
)

HUGE_NUMBERS = [2**63, -(2**63) - 1, 10**300, -0.0, 1e308, float("inf"), float("-inf"), float("nan")]
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(HUGE_NUMBERS),
                    st.floats(allow_nan=True, allow_infinity=True), tricky_text)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(tricky_text, children, max_size=4),
    max_leaves=12,
)

# Every field of the events the bot reads, as a path into the event object.
FIELDS = [
    ("type",), ("mode",), ("timestamp",), ("source",), ("source", "type"), ("source", "userId"),
    ("source", "groupId"), ("source", "roomId"), ("webhookEventId",), ("deliveryContext",),
    ("deliveryContext", "isRedelivery"), ("replyToken",), ("message",), ("message", "type"),
    ("message", "text"), ("message", "id"), ("message", "mention"), ("message", "mention", "mentionees"),
    ("postback",), ("postback", "data"),
]
MENTION = [{"index": 0, "length": 4, "type": "user", "isSelf": True}]


def templates() -> list[Callable[[], dict[str, Any]]]:
    return [
        lambda: text_event("副作用はありますか"),
        lambda: text_event("息苦しいです"),
        lambda: text_event("@Bot 料金は?", chat="group", mention=MENTION),
        lambda: text_event("@Bot 息ができない", chat="room", mention=[dict(MENTION[0], isSelf=True)]),
        lambda: postback_event("faq:booking"),
        lambda: media_event("sticker"),
        lambda: event("follow"),
    ]


def put(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[path[-1]] = value


@st.composite
def mutated_events(draw: st.DrawFn) -> dict[str, Any]:
    """A real event of some kind with a few of its fields set to anything at all (or removed)."""
    raw = draw(st.sampled_from(templates()))()
    for path in draw(st.lists(st.sampled_from(FIELDS), max_size=4)):
        if draw(st.booleans()):
            put(raw, path, draw(json_values))
        else:
            put(raw, path, draw(tricky_text))
    if draw(st.booleans()):
        put(raw, ("message", "text"), draw(tricky_text))
    return raw


@st.composite
def webhook_bodies(draw: st.DrawFn) -> bytes:
    """Signed-body candidates: mostly payloads with odd events, some with odd top-level shapes."""
    shape = draw(st.sampled_from(["events", "events", "events", "events-any", "payload-any", "bytes"]))
    if shape == "bytes":
        return draw(st.binary(max_size=200))
    if shape == "payload-any":
        payload: Any = draw(json_values)
    else:
        events: Any = draw(st.lists(mutated_events() | json_values, min_size=1, max_size=4))
        if shape == "events-any":
            events = draw(json_values)
        payload = {"destination": draw(json_values), "events": events}
    ascii_only = draw(st.booleans())
    try:
        text = json.dumps(payload, ensure_ascii=ascii_only)
    except ValueError:  # a float json refuses to write
        text = json.dumps(payload, ensure_ascii=True, allow_nan=True)
    # A lone surrogate cannot be UTF-8: LINE would send it escaped, a broken client as raw bytes.
    return text.encode("utf-8", "surrogatepass")


# -- the answering core --------------------------------------------------------------------


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@fixed(150)
@given(tricky_text)
@example("\ud800")  # SudachiPy raised UnicodeEncodeError
@example("abc\udfff副作用")
def test_the_normaliser_takes_any_text(answerer: Answerer, text: str) -> None:
    normalised = answerer.normaliser.normalise(text)
    assert isinstance(normalised, Normalised)
    for part in (normalised.surface, normalised.reading, *normalised.residual, *normalised.residual_reading):
        assert encodable(part)  # what the question log stores must be storable


@fixed(200)
@given(tricky_text)
@example("\ud800")
@example("施術のあと息苦しい\udfff")
@example("こんにちは\ud83d")
@example("\u202e副作用はありますか\u202c")
@example("👩\u200d👩\u200d👧\u200d👦" * 3000)
def test_any_message_gets_one_of_the_five_kinds_within_lines_limits(answerer: Answerer, text: str) -> None:
    answer = answerer.answer(text)
    assert answer.kind in KINDS
    assert problems(answer.messages) == []
    assert accepted_by_the_sdk(answer.messages)
    assert encodable(json.dumps(answer.messages, ensure_ascii=False))
    assert encodable(answer.normalised)


@fixed(200)
@given(tricky_text)
@example("息苦しい\ud800")
@example("\x00こんにちは\x00")
def test_the_urgent_guard_and_small_talk_take_any_text(text: str) -> None:
    assert is_urgent(text) in (True, False)
    assert smalltalk_kind(text) is None or isinstance(smalltalk_kind(text), str)
    assert isinstance(strip_smalltalk(text), str)


@fixed(3)
@given(huge_text)
@example("あ" * HUGE)  # a 300 KB run without a space: SudachiPy refused it (more than 49,149 bytes)
@example("副作用" * (HUGE // 3))  # a synonym every three characters: minutes of matching before the cap
@example("﷽" * 20_000)  # NFKC makes each one 18 characters
def test_texts_of_100000_characters(answerer: Answerer, text: str) -> None:
    normalised = answerer.normaliser.normalise(text)
    assert len(normalised.surface) <= MAX_CHARS and encodable(normalised.surface)
    answer = answerer.answer(text)
    assert answer.kind in KINDS and problems(answer.messages) == []
    assert is_urgent(text) in (True, False) and isinstance(strip_smalltalk(text), str)


def test_the_urgent_guard_still_reads_a_message_around_odd_characters(answerer: Answerer) -> None:
    for text in ("息苦しい\ud800", "\u202e息苦しい", "息苦しい😀\u200d", "あ" * HUGE + "息苦しい"):
        assert answerer.answer(text).kind == "urgent", repr(text[:20])


# -- the webhook parser ----------------------------------------------------------------------


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings(item)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from strings(getattr(value, name))


@fixed(200)
@given(webhook_bodies())
@example(b"[" * 100_000)
@example(b'{"events": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")
@example(b'{"events": [{"type": "message", "message": {"type": "text", "text": "\\ud800"}, "replyToken": "t"}]}')
@example(b'{"events": [{"timestamp": 1' + b"0" * 5000 + b"}]}")
def test_a_body_is_events_or_a_payload_error(raw: bytes) -> None:
    try:
        events = parse_body(raw)
    except PayloadError:
        return
    assert all(isinstance(e, LineEvent) for e in events)
    for event_ in events:
        # Everything later stored, hashed, logged or sent to LINE is valid Unicode.
        assert all(encodable(s) for s in strings(event_)), event_


@fixed(200)
@given(json_values)
def test_any_json_value_as_an_event_is_parsed_or_ignored(value: Any) -> None:
    parsed = parse_event(value)
    assert isinstance(parsed, LineEvent)
    assert all(encodable(s) for s in strings(parsed))


@fixed(200)
@given(tricky_text, st.lists(st.tuples(st.integers(), st.integers()), max_size=3))
@example("@Bot\ud800 料金", [(0, 4)])
@example("😀@Bot 料金", [(2, 4)])
@example("@Bot", [(10**30, 10**30)])
def test_mention_spans_are_removed_from_any_text(text: str, spans: list[tuple[int, int]]) -> None:
    assert isinstance(strip_spans(text, [(i, n) for i, n in spans if i >= 0 and n > 0]), str)


# -- the webhook end to end (Flask's test client, the fake Messaging API, SQLite) ----------


class Records(logging.Handler):
    """Every log record of the bot's loggers, to count outcomes and failures."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self, logger: str | None = None) -> list[str]:
        return [r.getMessage() for r in self.records if logger is None or r.name == logger]


@pytest.fixture(scope="module")
def webhook_app(module_fake: FakeLine, answerer: Answerer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    data = tmp_path_factory.mktemp("properties") / "data"
    app = create_app({"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN, "LINE_API_ENDPOINT": module_fake.url,
                      "LINE_API_TIMEOUT": "2", "USER_HASH_SECRET": HASH_SECRET, "DATA_DIR": str(data)}, answerer=answerer)
    yield app
    app.extensions["faqbot"].close(5)


@pytest.fixture(scope="module")
def records() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("bot")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def expected_outcomes(raw: bytes) -> int:
    """How many handler records a body accepted with 200 must produce: one per event."""
    return len(parse_body(raw))


def post_and_check(app: Flask, records: Records, raw: bytes) -> int:
    records.records.clear()
    response = post_signed(app.test_client(), raw)
    assert response.status_code in (200, 400), response.status_code
    settle(app)
    failures = [m for m in records.messages() if m.startswith(("job_failed", "event_answer_failed", "line_api_failed"))]
    errors = [r.getMessage() for r in records.records if r.levelno >= logging.ERROR]
    assert failures == [] and errors == []
    if response.status_code == 200:
        # Every event ended in an outcome line: none took its worker thread down.
        assert len(records.messages("bot.handler")) == expected_outcomes(raw)
    return response.status_code


@fixed(100)
@given(webhook_bodies())
def test_the_webhook_never_answers_500_and_no_event_escapes_its_worker(webhook_app: Flask, records: Records, raw: bytes) -> None:
    post_and_check(webhook_app, records, raw)


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"[" * 100_000, 400),  # nested past any recursion limit
        (b'{"events": [' + b"[" * 900 + b"]" * 900 + b"]}", 200),  # deep, but parses: one odd event
        (b'{"events": [{"type": "message", "message": ' + b'{"a": ' * 800 + b"1" + b"}" * 800 + b"}]}", 200),
        (body(text_event("副作用" * (HUGE // 3))), 200),  # 100,000 characters, 300 KB
        (json.dumps({"events": [text_event("\ud800息苦しい\udfff")]}).encode(), 200),  # escaped, as JSON allows
        (json.dumps({"events": [text_event("料金\ud800", webhook_event_id="01HX\udfffX", source={"type": "user", "userId": "U\ud800"})]}).encode(), 200),
        (json.dumps({"events": [text_event("@Bot\ud800 料金", chat="group", mention=MENTION)]}).encode(), 200),
        (b'{"events": {"type": "message"}}', 400),
        (b'{"events": "message"}', 400),
        (b'{"events": 1}', 400),
        (b'{"events": null}', 400),
        (b'{"events": [null, 1, "x", [], {}]}', 200),
        (b'{"events": [{"type": "message", "message": {"type": "text", "text": ["list"]}, "replyToken": "t", "webhookEventId": null}]}', 200),
        (b'{"events": [{"type": "message", "timestamp": 1e400, "webhookEventId": 123456789012345678901234567890}]}', 200),
        (b'{"events": [{"type": "message", "timestamp": 1' + b"0" * 5000 + b"}]}", 400),  # past Python's int digits limit
    ],
    ids=["nested-100k", "nested-900", "nested-in-message", "huge-text", "lone-surrogates-escaped", "surrogates-in-ids",
         "surrogate-in-a-mention", "events-dict", "events-str", "events-int", "events-null", "odd-items", "text-list",
         "huge-numbers", "number-too-long"],
)
def test_odd_bodies(webhook_app: Flask, records: Records, raw: bytes, status: int) -> None:
    assert post_and_check(webhook_app, records, raw) == status


def test_a_surrogate_written_as_utf8_bytes_is_read_like_an_escaped_one(webhook_app: Flask, records: Records,
                                                                       module_fake: FakeLine) -> None:
    """json.loads reads such bytes (it decodes with surrogatepass); the parser then replaces them."""
    raw_event = text_event("料金\ud800")
    raw = json.dumps({"events": [raw_event]}, ensure_ascii=False).encode("utf-8", "surrogatepass")
    assert b"\xed\xa0\x80" in raw
    assert post_and_check(webhook_app, records, raw) == 200
    (reply,) = [r for r in module_fake.to("/v2/bot/message/reply") if r.json["replyToken"] == raw_event["replyToken"]]
    assert reply.status == 200
