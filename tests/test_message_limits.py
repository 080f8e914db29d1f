"""Every reply the bot can send, checked against LINE's message limits and the SDK's models."""

import json
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from linebot.v3.messaging import ReplyMessageRequest

from bot.answering import Answerer
from bot.faq import load_knowledge

MAX_MESSAGES = 5
TEXT_MAX = 5000  # UTF-16 code units
FLEX_ALT_MAX = 1500
TEMPLATE_ALT_MAX = 400
QUICK_REPLY_MAX = 13
CHIP_LABEL_MAX = 20
FLEX_BUTTON_LABEL_MAX = 40
URI_MAX = 1000
POSTBACK_DATA_MAX = 300
BUBBLE_BYTES_MAX = 30_000  # LINE's size limit for one bubble's JSON
SMALL_SIZES = ("xxs", "xs", "sm")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def actions(node: Any) -> Iterator[dict]:
    """Every action object anywhere in a message."""
    if isinstance(node, dict):
        if isinstance(node.get("action"), dict):
            yield node["action"]
        for action in node.get("actions", []) if isinstance(node.get("actions"), list) else []:
            yield action
        for key, value in node.items():
            if key not in ("action", "actions"):
                yield from actions(value)
    elif isinstance(node, list):
        for item in node:
            yield from actions(item)


def problems(messages: list[dict]) -> list[str]:
    found: list[str] = []
    if not 1 <= len(messages) <= MAX_MESSAGES:
        found.append(f"{len(messages)} messages")
    for message in messages:
        kind = message["type"]
        if kind == "text":
            if not message["text"].strip() or utf16_len(message["text"]) > TEXT_MAX:
                found.append(f"text of {utf16_len(message['text'])} units")
        elif kind == "flex":
            if not message["altText"].strip() or len(message["altText"]) > FLEX_ALT_MAX:
                found.append("flex altText")
            if len(json.dumps(message["contents"], ensure_ascii=False).encode()) > BUBBLE_BYTES_MAX:
                found.append("bubble too large")
        elif kind == "template":
            template = message["template"]
            if not message["altText"].strip() or len(message["altText"]) > TEMPLATE_ALT_MAX:
                found.append("template altText")
            if len(template.get("title", "")) > 40:
                found.append("template title")
            if len(template["text"]) > (60 if template.get("title") else 160):
                found.append("template text")
            if not 1 <= len(template["actions"]) <= 4:
                found.append("template actions")
        else:
            found.append(f"unexpected message type {kind}")
        items = message.get("quickReply", {}).get("items", [])
        if len(items) > QUICK_REPLY_MAX:
            found.append(f"{len(items)} quick-reply items")
        for item in items:
            label = item["action"]["label"]
            if not 1 <= len(label) <= CHIP_LABEL_MAX:
                found.append(f"chip label {label!r}")
        for action in actions(message):
            label = action.get("label", "")
            if len(label) > FLEX_BUTTON_LABEL_MAX:
                found.append(f"action label {label!r}")
            if action["type"] == "uri":
                uri = action["uri"]
                if len(uri) > URI_MAX or not uri.startswith(("https://", "tel:")) or uri in ("https://", "tel:"):
                    found.append(f"uri {uri[:60]!r}")
            if action["type"] == "postback":
                if len(action["data"]) > POSTBACK_DATA_MAX or len(action.get("displayText", "")) > 300:
                    found.append("postback data")
    return found


def accepted_by_the_sdk(messages: list[dict]) -> bool:
    request = ReplyMessageRequest.from_dict({"replyToken": "t", "messages": messages})
    return request.to_dict()["messages"] == messages


def every_reply(answerer: Answerer) -> Iterator[tuple[str, list[dict]]]:
    for entry in answerer.knowledge.entries:
        yield f"entry:{entry.id}", answerer.answer_entry(entry.id).messages
        yield f"question:{entry.id}", answerer.answer(entry.question).messages
    for question in ("エクソソーム 効果", "あいうえおかきくけこ", "息苦しい", "こんにちは", "ありがとう", "", "🙂" * 3000, "副作用" * 2000):
        yield f"ask:{question[:10]}", answerer.answer(question).messages
    yield "welcome", answerer.welcome()
    yield "non-text", answerer.non_text()


@pytest.fixture(scope="module")
def stretched(answerer: Answerer) -> Answerer:
    """Settings at their longest plausible values, as a clinic might set them in the environment."""
    environ = {
        "CLINIC_NAME": "医療法人社団 美肌再生会 エクソソーム・幹細胞培養上清液専門 表参道スキンケアクリニック 本院",
        "BOOKING_URL": "https://reserve.example.jp/clinic/booking?" + "utm_source=line&utm_medium=chatbot&" * 20,
        "CLINIC_PHONE": "0120-000-000(フリーダイヤル、携帯電話からもご利用いただけます)",
        "CLINIC_HOURS": "平日 10:00〜20:00 / 土日祝 10:00〜18:00(最終受付は各30分前、年末年始と毎週水曜日は休診)",
    }
    return Answerer(load_knowledge(answerer.knowledge.directory, environ=environ))


def test_the_question_set_covers_every_kind(answerer: Answerer) -> None:
    kinds = {answerer.answer(q).kind for q in ("効果", "あいうえおかきくけこ", "息苦しい", "こんにちは", "副作用はありますか")}
    assert kinds == {"suggest", "fallback", "urgent", "smalltalk", "answer"}


@pytest.mark.parametrize("which", ["shipped", "stretched"])
def test_every_reply_fits_lines_limits(answerer: Answerer, stretched: Answerer, which: str) -> None:
    source = answerer if which == "shipped" else stretched
    failures = {name: found for name, messages in every_reply(source) if (found := problems(messages))}
    assert failures == {}


@pytest.mark.parametrize("which", ["shipped", "stretched"])
def test_every_reply_passes_through_the_sdk_unchanged(answerer: Answerer, stretched: Answerer, which: str) -> None:
    source = answerer if which == "shipped" else stretched
    assert [name for name, messages in every_reply(source) if not accepted_by_the_sdk(messages)] == []


def test_an_answer_is_a_bubble_with_title_answer_small_disclaimer_and_booking_button(answerer: Answerer) -> None:
    settings_ = answerer.settings
    for entry in answerer.knowledge.entries:
        (message,) = answerer.answer_entry(entry.id).messages
        assert message["type"] == "flex" and message["contents"]["type"] == "bubble"
        bubble = message["contents"]
        assert bubble["header"]["contents"][0]["text"] == entry.question
        texts = [c for c in bubble["body"]["contents"] if c["type"] == "text"]
        assert texts[0]["text"] == entry.answer_text(settings_)
        disclaimer = [c for c in texts if c["text"] == settings_.disclaimer]
        assert disclaimer and disclaimer[0]["size"] in SMALL_SIZES
        buttons = [c for c in bubble["footer"]["contents"] if c["type"] == "button"]
        assert any(b["action"] == {"type": "uri", "label": b["action"]["label"], "uri": settings_.booking_url} for b in buttons)
        # A readable notification / old-client fallback: the question, then the answer's start.
        assert message["altText"].startswith(entry.question)
        assert entry.answer_text(settings_)[:20] in message["altText"]


def test_related_entries_and_suggestions_become_chips(answerer: Answerer) -> None:
    entry = next(e for e in answerer.knowledge.entries if e.related)
    (message,) = answerer.answer_entry(entry.id).messages
    data = [i["action"].get("data") for i in message["quickReply"]["items"]]
    assert [f"faq:{r}" for r in entry.related] == [d for d in data if d]
    suggest = answerer.answer("効果")
    chips = [i["action"].get("data") for i in suggest.messages[0]["quickReply"]["items"]]
    assert [f"faq:{c.id}" for c in suggest.candidates] == [d for d in chips if d]


def test_the_urgent_reply_is_plain_with_a_tel_button(answerer: Answerer) -> None:
    messages = answerer.answer("施術のあとから息苦しいです").messages
    assert all(m["type"] != "flex" for m in messages)
    assert messages[0]["type"] == "text" and "119" in messages[0]["text"]
    uris = [a["uri"] for a in actions(messages) if a["type"] == "uri"]
    assert answerer.settings.phone_uri in uris and all(u.startswith("tel:") for u in uris)
    assert answerer.settings.booking_url not in json.dumps(messages, ensure_ascii=False)


def test_the_checker_catches_violations() -> None:
    bad = [{"type": "text", "text": "x" * 5001}] * 6 + [
        {"type": "text", "text": "ok", "quickReply": {"items": [{"type": "action", "action": {"type": "uri", "label": "x" * 21, "uri": "http://a"}}] * 14}}
    ]
    found = problems(bad)
    assert "7 messages" in found and "text of 5001 units" in found and "14 quick-reply items" in found
    assert any(f.startswith("chip label") for f in found) and any(f.startswith("uri") for f in found)
    assert problems([{"type": "text", "text": "😀" * 2501}]) == ["text of 5002 units"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("エクソソーム副作用料金予約はありますか?!痛いダウンタイム効果 abcＡＢＣ😀\n"), max_size=400))
def test_any_question_gets_a_reply_within_limits(answerer: Answerer, question: str) -> None:
    messages = answerer.answer(question).messages
    assert problems(messages) == []
