import json

import pytest

from bot.conversation import FOLLOW, MEDIA, POSTBACK, TEXT
from bot.line_events import BARE_MENTION_TEXT, PayloadError, Source, parse_body, parse_event, strip_spans
from line_payloads import GROUP_ID, ROOM_ID, USER_ID, body, event, media_event, postback_event, text_event


def one(raw: dict):
    (parsed,) = parse_body(body(raw))
    return parsed


def test_text_in_a_one_to_one_chat_is_answered() -> None:
    raw = text_event("副作用はありますか")
    parsed = one(raw)
    assert parsed.incoming.kind == TEXT
    assert parsed.incoming.text == "副作用はありますか"
    assert parsed.incoming.user_id == USER_ID
    assert parsed.incoming.event_id == raw["webhookEventId"]
    assert parsed.reply_token == raw["replyToken"]
    assert parsed.event_id == raw["webhookEventId"]
    assert parsed.source == Source("user", USER_ID)
    assert parsed.message_type == "text"
    assert not parsed.redelivery


def test_redelivery_flag_is_read() -> None:
    assert one(text_event("料金", redelivery=True)).redelivery


def test_postback_carries_its_data() -> None:
    parsed = one(postback_event("faq:side-effects"))
    assert parsed.incoming.kind == POSTBACK
    assert parsed.incoming.text == "faq:side-effects"


def test_postback_data_over_300_characters_is_ignored() -> None:
    parsed = one(postback_event("faq:" + "x" * 297))
    assert parsed.incoming is None and parsed.reason == "postback-too-long"


def test_follow_gets_the_greeting() -> None:
    parsed = one(event("follow", follow={"isUnblocked": False}))
    assert parsed.incoming.kind == FOLLOW


@pytest.mark.parametrize("kind", ["sticker", "image", "video", "audio", "file", "location"])
def test_media_in_a_one_to_one_chat_gets_the_non_text_reply(kind: str) -> None:
    parsed = one(media_event(kind))
    assert parsed.incoming.kind == MEDIA
    assert parsed.incoming.text == ""  # file names and addresses are not passed on
    assert parsed.message_type == kind


def test_a_message_type_line_adds_later_is_treated_as_non_text() -> None:
    parsed = one(event("message", message={"id": "1", "type": "hologram", "shape": {"x": 1}}))
    assert parsed.incoming.kind == MEDIA


@pytest.mark.parametrize(
    "raw",
    [
        event("unfollow", reply=False),
        event("unsend", reply=False, unsend={"messageId": "1"}),
        event("leave", chat="group", reply=False),
        event("join", chat="group"),
        event("memberJoined", chat="group", joined={"members": [{"type": "user", "userId": USER_ID}]}),
        event("memberLeft", chat="group", reply=False, left={"members": []}),
        event("videoPlayComplete", videoPlayComplete={"trackingId": "t"}),
        event("beacon", beacon={"hwid": "d41d8cd98f", "type": "enter"}),
        event("accountLink", link={"result": "ok", "nonce": "n"}),
        event("membership", membership={"type": "joined"}),
        event("somethingNew", whatever=[1, 2, {"deep": None}]),
    ],
    ids=lambda raw: raw["type"],
)
def test_events_without_an_answer_are_ignored(raw: dict) -> None:
    parsed = one(raw)
    assert parsed.incoming is None
    assert parsed.type == raw["type"]


def test_standby_mode_is_never_answered() -> None:
    parsed = one(text_event("副作用", mode="standby"))
    assert parsed.incoming is None and parsed.reason == "standby"


def test_an_event_without_a_reply_token_is_not_answered() -> None:
    parsed = one(text_event("副作用", reply=False))
    assert parsed.incoming is None


def test_the_consoles_dummy_reply_tokens_are_not_used() -> None:
    raw = text_event("副作用")
    raw["replyToken"] = "0" * 32
    assert one(raw).incoming is None


@pytest.mark.parametrize("chat", ["group", "room"])
def test_group_and_room_messages_without_a_mention_are_not_answered(chat: str) -> None:
    parsed = one(text_event("副作用はありますか", chat=chat))
    assert parsed.incoming is None and parsed.reason == "group-not-mentioned"


def test_a_mention_of_someone_else_is_not_enough() -> None:
    raw = text_event("@田中 副作用は?", chat="group", mention=[{"index": 0, "length": 3, "type": "user", "userId": "U2"}])
    assert one(raw).incoming is None


def test_a_group_message_mentioning_the_bot_is_answered_without_the_mention() -> None:
    raw = text_event("@クリニックBot 副作用はありますか", chat="group", mention=[{"index": 0, "length": 9, "type": "user", "isSelf": True}])
    parsed = one(raw)
    assert parsed.incoming.kind == TEXT
    assert parsed.incoming.text == "副作用はありますか"
    assert parsed.source == Source("group", USER_ID, GROUP_ID)
    assert parsed.source.push_to == GROUP_ID


def test_a_mention_in_the_middle_of_a_room_message_is_removed() -> None:
    text = "ダウンタイムは @Bot ありますか"
    raw = text_event(text, chat="room", mention=[{"index": 8, "length": 4, "type": "user", "isSelf": True}])
    parsed = one(raw)
    assert parsed.incoming.text == "ダウンタイムは  ありますか".strip()
    assert parsed.source.push_to == ROOM_ID


def test_mention_indexes_count_utf16_units() -> None:
    # The emoji before the mention is two UTF-16 units: index 3, not 2.
    text = "😀 @Bot 料金は?"
    assert strip_spans(text, [(3, 4)]).split() == ["😀", "料金は?"]


def test_mention_indexes_fall_back_to_code_points() -> None:
    assert strip_spans("😀 @Bot 料金は?", [(2, 4)]).split() == ["😀", "料金は?"]


def test_a_span_that_is_not_a_mention_leaves_the_text_alone() -> None:
    assert strip_spans("料金は?", [(0, 2)]) == "料金は?"


def test_a_bare_mention_is_answered_as_a_hello() -> None:
    raw = text_event("@Bot", chat="group", mention=[{"index": 0, "length": 4, "type": "user", "isSelf": True}])
    assert one(raw).incoming.text == BARE_MENTION_TEXT


def test_media_in_a_group_is_not_answered() -> None:
    assert one(media_event("sticker", chat="group")).incoming is None


def test_a_postback_in_a_group_is_answered() -> None:
    # Only the bot's own buttons produce postbacks, so tapping one is addressed to it.
    assert one(postback_event("faq:booking", chat="group")).incoming.kind == POSTBACK


def test_follow_is_not_expected_in_a_group() -> None:
    assert one(event("follow", chat="group")).incoming is None


def test_several_events_in_one_body_keep_their_order() -> None:
    raws = [text_event("料金"), event("unfollow", reply=False), postback_event("faq:booking")]
    parsed = parse_body(body(*raws))
    assert [p.event_id for p in parsed] == [r["webhookEventId"] for r in raws]


@pytest.mark.parametrize(
    "raw",
    [
        {},
        {"type": None, "source": "user", "replyToken": 5},
        {"type": "message", "message": "not an object", "replyToken": "t", "source": {"type": "user"}},
        {"type": "message", "message": {"type": "text", "text": None}, "replyToken": "t", "source": {"type": "group"}},
        {"type": "message", "message": {"type": "text", "text": "x", "mention": {"mentionees": "nope"}},
         "replyToken": "t", "source": {"type": "group"}},
        {"type": "message", "message": {"type": "text", "text": "x", "mention": {"mentionees": [None, {"isSelf": True, "index": "0"}]}},
         "replyToken": "t", "source": {"type": "room"}},
        {"type": "postback", "postback": {"data": ["x"]}, "replyToken": "t", "source": {}},
        {"type": "follow", "deliveryContext": "yes", "timestamp": "now", "replyToken": "t"},
        "just a string",
        None,
    ],
)
def test_odd_events_never_raise(raw) -> None:
    parsed = parse_event(raw)
    assert parsed.type


def test_an_odd_event_does_not_spoil_its_neighbours() -> None:
    raw = json.dumps({"events": [42, text_event("料金")]}).encode()
    parsed = parse_body(raw)
    assert parsed[0].incoming is None and parsed[1].incoming.text == "料金"


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'"events"', b'{"events": {}}', b"\xff\xfe", b"[" * 100_000])
def test_bodies_that_are_not_payloads_raise(raw: bytes) -> None:
    with pytest.raises(PayloadError):
        parse_body(raw)


def test_the_verify_request_has_no_events() -> None:
    assert parse_body(b'{"destination":"U1","events":[]}') == []


def test_lone_surrogates_in_any_field_are_replaced() -> None:
    """JSON may escape a lone surrogate; UTF-8 (database, hashing, LINE's API) cannot hold it."""
    raw = text_event("料金\ud800", webhook_event_id="01HX\udfff", source={"type": "user", "userId": "U\ud800"})
    parsed = parse_body(json.dumps({"events": [raw]}).encode())[0]
    assert parsed.event_id == "01HX\ufffd" and parsed.source.user_id == "U\ufffd"
    assert parsed.incoming is not None and parsed.incoming.text == "料金\ufffd"


def test_a_mention_in_text_with_a_lone_surrogate_is_removed() -> None:
    """strip_spans encoded to UTF-16 strictly: /callback answered 500 (found by test_properties)."""
    raw = text_event("@Bot\ud800 料金", chat="group", mention=[{"index": 0, "length": 4, "type": "user", "isSelf": True}])
    parsed = parse_body(json.dumps({"events": [raw]}).encode())[0]
    assert parsed.incoming is not None and parsed.incoming.text == "\ufffd 料金".strip()
    assert strip_spans("@Bot\ud800x", [(0, 4)]) == "\ufffdx"
