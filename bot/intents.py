"""Requests about the chat itself: delete my history, let me talk to a person, back to the bot.

Messages are compared after `clean` (NFKC, width, case, punctuation) and `fold_kana`
(katakana as hiragana), with spaces removed, so 履歴を削除 / りれき削除 / ﾃﾞｰﾀを消して all match.
"""

from __future__ import annotations

import re

from .normalize import clean, fold_kana


def _folded(pattern: str) -> re.Pattern[str]:
    return re.compile(fold_kana(pattern))


_HISTORY = r"(?:履歴|りれき|データ|記録|きろく|ログ|会話|かいわ|トーク|やりとり|やり取り|個人情報|こじんじょうほう|history|data)"
_ERASE = r"(?:削除|さくじょ|消去|しょうきょ|消し|けし|消す|けす|消せ|けせ|抹消|破棄|リセット|クリア|delete|erase|remove)"
# "削除されますか" asks about the policy and "削除しないで" asks the opposite: neither is a request.
_NOT_A_REQUEST = r"(?!され|しない|しません|せず|しなく|できない|できません|てほしくな|て欲しくな)"
DELETION = _folded(rf"{_HISTORY}.{{0,8}}?{_ERASE}{_NOT_A_REQUEST}|{_ERASE}(?:my)?{_HISTORY}")

_PERSON = (
    r"(?:スタッフ|人間|にんげん|人|ひと|担当者|担当の方|担当の人|担当|たんとう|オペレータ|受付の方|受付|うけつけ|"
    r"看護師|かんごし|医師|先生|せんせい|ドクタ|カウンセラ|係の方|係の人|有人|生身の人)"
)
_WANT = (
    r"(?:直接)?(?:話したい|はなしたい|話がしたい|話をしたい|お話ししたい|お話したい|おはなししたい|話せますか|話せる|"
    r"相談したい|そうだんしたい|代わって|かわって|変わって|替わって|つないで|繋いで|つなげて|対応してほしい|対応して欲しい|"
    r"対応をお願い|対応お願い|お願いしたい)"
)
HANDOFF = _folded(
    rf"{_PERSON}(?:さん|の方|のかた)?(?:と|に|で)?{_WANT}"
    r"|オペレータ|有人対応|有人チャット|中の人"
    r"|電話(?:で)?(?:話したい|相談したい|したい|させて|お願いしたい|問い合わせたい|で問い合わせ)"
    r"|直接(?:話したい|相談したい|聞きたい|ききたい|お話ししたい|お話したい|伺いたい)"
    r"|(?:ボット|ロボット|機械|自動応答|自動返信|bot|ai)(?:じゃなく|ではなく|でなく|じゃない人|ではない人)"
    r"|talktoahuman|talktoaperson|talktostaff"
)
RESUME = _folded(
    r"(?:自動応答|じどうおうとう|自動返信|ボット|チャットボット|bot)(?:に|を|へ)?"
    r"(?:戻る|もどる|戻して|もどして|戻りたい|もどりたい|戻ります|再開|さいかい)"
)


DELETE, RESUME_BOT, TALK_TO_STAFF = "delete", "resume", "handoff"


def chat_request(text: str) -> str | None:
    """DELETE, RESUME_BOT or TALK_TO_STAFF (the first that matches, in that order), else None.

    One normalisation for all three checks, as every message in a chat asks them.
    """
    key = _key(text)
    for kind, pattern in ((DELETE, DELETION), (RESUME_BOT, RESUME), (TALK_TO_STAFF, HANDOFF)):
        if pattern.search(key) is not None:
            return kind
    return None


def _key(text: str) -> str:
    return "".join(fold_kana(clean(text)).split())


def is_deletion_request(text: str) -> bool:
    """履歴を削除, データを消して, 私の記録を削除してください …"""
    return DELETION.search(_key(text)) is not None


def is_handoff_request(text: str) -> bool:
    """スタッフと話したい, 電話したい, オペレーター, 担当者に代わって …"""
    return HANDOFF.search(_key(text)) is not None


def is_resume_request(text: str) -> bool:
    """自動応答に戻る: ends a handoff early."""
    return RESUME.search(_key(text)) is not None
