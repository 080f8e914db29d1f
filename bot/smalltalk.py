"""Greetings, thanks and "how do I use this": short friendly replies, no FAQ matching."""

from __future__ import annotations

import re

from .normalize import clean, fold_kana

_KINDS = {
    "greeting": r"こんにちは|こんにちわ|こんばんは|こんばんわ|おはよう(?:ございます)?|はじめまして|初めまして|よろしく(?:お願いします|おねがいします)?|やあ|ハロー|はろー|hello|hi|hey|もしもし|お疲れ(?:様|さま)(?:です)?|おつかれ(?:さま)?(?:です)?|お疲れ",
    "thanks": r"ありがとう(?:ございます|ございました)?|ありがと|助かりました|たすかりました|了解(?:です|しました)?|りょうかい|わかりました|分かりました|なるほど|ok|おk|承知しました|thanks|thank you|サンキュー|さんきゅー",
    "help": r"使い方|つかいかた|何ができる|なにができる|何を聞ける|なにをきける|何が聞ける|何を質問でき|ヘルプ|へるぷ|help|メニューを見せて|どうやって使う|何ができますか",
}
def _compile(alternatives: str) -> re.Pattern[str]:
    # Latin words only as whole words: "hi" is no greeting inside "chigai" or "shiwa".
    parts = [
        rf"(?<![a-z]){re.escape(word)}(?![a-z])" if word.isascii() else fold_kana(word)
        for word in _top_level(alternatives)
    ]
    return re.compile("|".join(parts), re.IGNORECASE)


def _top_level(pattern: str) -> list[str]:
    """Split a regex on the | that are not inside a group."""
    parts, depth, current = [], 0, ""
    for ch in pattern:
        if ch == "|" and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    return parts + [current]


_PATTERNS = {kind: _compile(p) for kind, p in _KINDS.items()}
_LEFTOVER = re.compile(
    r"(?:[\sをはがのにでもねよ!?ー、,.〜]|です|ます|ございます|ございました|教えて|おしえて|ください|下さい|ほしい|ね|よ|さん|どうも|本当に|ほんとに|とても|大変|すごく)*"
)


def smalltalk_kind(text: str) -> str | None:
    """'greeting', 'thanks' or 'help' when the whole message is small talk, else None."""
    folded = fold_kana(clean(text))
    if not folded:
        return None
    found = None
    rest = folded
    for kind, pattern in _PATTERNS.items():
        if pattern.search(rest):
            found = found or kind
            rest = pattern.sub(" ", rest)
    if found and _LEFTOVER.fullmatch(rest):
        return "help" if _PATTERNS["help"].search(folded) else found
    return None


_STANDS_ALONE_BEFORE = re.compile(r"(?:^|[\s、。,.!?！？…~〜ー])$")
_STANDS_ALONE_AFTER = re.compile(r"(?:です|でした|ございます|ございました)?(?:$|[\s、。,.!?！？…~〜ー♪☺️😊🙇]|[^\w])")


def strip_smalltalk(text: str) -> str:
    """The message without its greeting or thanks, so 'こんにちは、副作用は?' is matched as '副作用は?'."""
    folded = fold_kana(text)
    # Only a greeting or thanks standing on its own counts: in 点滴OKですか, OK is the question.
    spans = [
        m.span()
        for p in (_PATTERNS["greeting"], _PATTERNS["thanks"])
        for m in p.finditer(folded)
        if not folded[: m.start()].strip(" 、。,.!?！？")  # at the start: おはようございます副作用は?
        or (_STANDS_ALONE_BEFORE.search(folded[: m.start()]) and _STANDS_ALONE_AFTER.match(folded, m.end()))
    ]
    if not spans:
        return text
    out, last = [], 0
    for start, end in sorted(spans):
        if start < last:
            continue
        out.append(text[last:start])
        last = end
    out.append(text[last:])
    return " ".join("".join(out).split())
