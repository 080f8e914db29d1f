"""LINE Messaging API message objects, as plain JSON dicts, for every kind of reply.

The transport sends these unchanged; the simulator renders them. Limits are LINE's:
quick-reply labels ≤ 20 characters, ≤ 13 items, altText ≤ 1500 (400 for templates),
button-template text ≤ 160, postback data ≤ 300.
"""

from __future__ import annotations

from typing import Iterable

from .faq import Entry
from .settings import Settings

POSTBACK_PREFIX = "faq:"
LABEL_MAX = 20
QUICK_REPLY_MAX = 13
ALT_TEXT_MAX = 400  # LINE allows 1500; a notification preview shows far less
_LABEL_TRIM = ("ですか?", "ますか?", "ですか", "ますか", "?", "?")


def short_label(text: str, limit: int = LABEL_MAX) -> str:
    """A question shortened to fit a quick-reply chip or button label."""
    label = text.strip()
    for ending in _LABEL_TRIM:
        if label.endswith(ending) and len(label) > limit:
            label = label[: -len(ending)]
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def postback_data(entry_id: str) -> str:
    return POSTBACK_PREFIX + entry_id


def entry_id_from_postback(data: str) -> str | None:
    return data[len(POSTBACK_PREFIX):] if data.startswith(POSTBACK_PREFIX) else None


def entry_chip(entry: Entry) -> dict:
    return {
        "type": "action",
        "action": {
            "type": "postback",
            "label": short_label(entry.label or entry.question),
            "data": postback_data(entry.id),
            "displayText": _clip(entry.question, 300),
        },
    }


def uri_chip(label: str, uri: str) -> dict:
    return {"type": "action", "action": {"type": "uri", "label": short_label(label), "uri": uri}}


def quick_reply(items: Iterable[dict]) -> dict:
    return {"items": list(items)[:QUICK_REPLY_MAX]}


def text_message(text: str, chips: list[dict] | None = None) -> dict:
    message: dict = {"type": "text", "text": text}
    if chips:
        message["quickReply"] = quick_reply(chips)
    return message


def answer_bubble(entry: Entry, settings: Settings, related: list[Entry]) -> dict:
    """The FAQ answer as a Flex bubble: title, answer, disclaimer, booking button."""
    answer = entry.answer_text(settings)
    bubble = {
        "type": "bubble",
        "size": "mega",
        "header": {
            "type": "box",
            "layout": "vertical",
            "contents": [{"type": "text", "text": entry.question, "weight": "bold", "size": "md", "wrap": True}],
        },
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "md",
            "contents": [
                {"type": "text", "text": answer, "size": "sm", "wrap": True},
                {"type": "separator"},
                {"type": "text", "text": settings.disclaimer, "size": "xxs", "color": "#888888", "wrap": True},
            ],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "spacing": "sm",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "height": "sm",
                    "action": {"type": "uri", "label": "予約・カウンセリング", "uri": settings.booking_url},
                },
            ],
        },
    }
    message = {
        "type": "flex",
        "altText": _clip(f"{entry.question}\n{answer}", ALT_TEXT_MAX),
        "contents": bubble,
    }
    chips = [entry_chip(r) for r in related] + [uri_chip("予約・カウンセリング", settings.booking_url)]
    message["quickReply"] = quick_reply(chips)
    return message


def suggest_messages(candidates: list[Entry], settings: Settings) -> list[dict]:
    lines = ["ご質問は、次のどれに近いでしょうか?(もしかして)"]
    lines += [f"・{entry.question}" for entry in candidates]
    lines.append("下のボタンから選ぶか、言葉を変えてもう一度お送りください。")
    lines.append(f"ご予約・ご相談はこちら: {settings.booking_url}")
    chips = [entry_chip(e) for e in candidates] + [uri_chip("予約・カウンセリング", settings.booking_url)]
    return [text_message("\n".join(lines), chips)]


def fallback_messages(closest: list[Entry], settings: Settings) -> list[dict]:
    lines = [
        "申し訳ありません。そのご質問には、このチャットではお答えできません。",
        "エクソソーム・幹細胞培養上清液の治療についてのご質問にお答えしています。",
        "詳しくは医師・スタッフがカウンセリングでご説明します。",
        f"ご予約・ご相談: {settings.booking_url}",
        f"お電話: {settings.phone}({settings.hours})",
    ]
    if closest:
        lines.insert(2, "近い話題: " + "、".join(short_label(e.label or e.question) for e in closest))
    chips = [entry_chip(e) for e in closest] + [
        uri_chip("予約・カウンセリング", settings.booking_url),
        uri_chip("電話する", settings.phone_uri),
    ]
    return [text_message("\n".join(lines), chips)]


def urgent_messages(settings: Settings) -> list[dict]:
    """Plain and prominent: call now. No Flex, no booking, no promotion."""
    text = "\n".join(
        [
            "【至急】施術のあとに体調の変化がある場合は、このチャットではなく、すぐにお電話ください。",
            "",
            "■ 息苦しい、意識が遠のく、全身のじんましん、唇やのどの腫れなど緊急の場合は、ためらわずに119番に電話してください。",
            f"■ それ以外の場合も、今すぐ{settings.clinic_name}にお電話ください。",
            f"電話: {settings.phone}(受付: {settings.hours})",
            "■ 救急車を呼ぶべきか迷うときは、救急安心センター(#7119、実施地域のみ)に相談できます。",
            "",
            "このチャットでは診断や医学的な判断はできません。",
        ]
    )
    buttons = {
        "type": "template",
        "altText": _clip(f"至急お電話ください: {settings.phone} / 緊急時は119番", ALT_TEXT_MAX),
        "template": {
            "type": "buttons",
            "title": "今すぐ電話する",
            "text": _clip(f"{settings.clinic_name} {settings.phone}", 60),
            "actions": [
                {"type": "uri", "label": "クリニックに電話", "uri": settings.phone_uri},
                {"type": "uri", "label": "119に電話(緊急時)", "uri": "tel:119"},
            ],
        },
    }
    return [text_message(text), buttons]


def smalltalk_messages(kind: str, settings: Settings, popular: list[Entry]) -> list[dict]:
    chips = [entry_chip(e) for e in popular]
    if kind == "thanks":
        return [text_message("どういたしまして。ほかにも気になることがあれば、お気軽にお送りください。", chips)]
    intro = "こんにちは。" if kind == "greeting" else ""
    text = (
        f"{intro}{settings.clinic_name}のLINEです。\n"
        "エクソソームや幹細胞培養上清液の治療について、よくあるご質問にお答えします。"
        "知りたいことを文章で送ってください(例:「副作用はありますか?」「料金を知りたい」)。\n"
        f"ご予約・ご相談: {settings.booking_url}"
    )
    return [text_message(text, chips + [uri_chip("予約・カウンセリング", settings.booking_url)])]


def welcome_messages(settings: Settings, popular: list[Entry]) -> list[dict]:
    """What a new friend receives: what the bot answers, booking, and privacy."""
    text = (
        f"友だち追加ありがとうございます。{settings.clinic_name}です。\n\n"
        "このLINEでは、エクソソーム・幹細胞培養上清液の治療について、よくあるご質問に自動でお答えします。"
        "知りたいことを文章で送ってください。\n\n"
        f"ご予約・カウンセリング: {settings.booking_url}\n"
        f"お電話: {settings.phone}({settings.hours})\n\n"
        "※このチャットは一般的な情報のご案内で、医師の診察や医療相談ではありません。"
        "お名前や持病・服薬などの個人的な医療情報は送らないでください。\n"
        "※施術後に体調の変化がある場合は、すぐにお電話ください(緊急時は119番)。"
    )
    chips = [entry_chip(e) for e in popular] + [uri_chip("予約・カウンセリング", settings.booking_url)]
    return [text_message(text, chips)]


def non_text_messages(settings: Settings) -> list[dict]:
    return [
        text_message(
            "ありがとうございます。申し訳ありませんが、画像やスタンプなどにはお答えできません。"
            "ご質問は文章で送ってください(例:「副作用はありますか?」)。\n"
            f"ご予約・ご相談: {settings.booking_url}"
        )
    ]
