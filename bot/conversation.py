"""One incoming chat event to the reply the bot sends, whatever the transport.

The LINE webhook workers and the local simulator both turn what they receive into an
`Incoming` and call `Conversation.handle`; neither knows how answers are made.

With a store and a secret, the conversation also keeps the question log (hashed user id
and normalised text only), deletes a user's rows on request, and hands a user over to
staff: the bot then stays silent for that user, except for urgent messages.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from .answering import Answer, Answerer
from .intents import DELETE, RESUME_BOT, TALK_TO_STAFF, chat_request
from .messages import entry_id_from_postback, text_message, uri_chip
from .privacy import hash_user
from .settings import Settings
from .store import Store, StoreUnavailable, utcnow

log = logging.getLogger(__name__)

TEXT = "text"
POSTBACK = "postback"
FOLLOW = "follow"
MEDIA = "media"  # sticker, image, video, audio, file, location

LOGGED_KINDS = ("answer", "suggest", "fallback", "urgent")
Notify = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class Incoming:
    kind: str  # TEXT, POSTBACK, FOLLOW or MEDIA
    user_id: str | None = None  # the raw LINE user id; hashed before anything keeps it
    text: str = ""  # the message text, or the postback data
    event_id: str | None = None


@dataclass(frozen=True)
class Reply:
    messages: list[dict[str, Any]]
    answer: Answer | None = None  # what was decided, for the log; None for greetings etc.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        if self.answer is not None:
            return self.answer.kind
        return self.extra.get("kind", "system")


class Conversation:
    """Handles events with whichever FAQ version `answerer()` returns at that moment.

    `store` and `secret` turn on the question log, history deletion and handoff silence;
    `notify(dict)` is called for every handoff and urgent message (e.g. a LINE push to
    staff). None of them is needed to answer, and a failing store never stops answering.
    """

    def __init__(self, answerer: Callable[[], Answerer], *, store: Store | None = None,
                 secret: str | bytes | None = None, notify: Notify | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        if store is not None and not secret:
            raise ValueError("a store needs the user-hash secret (USER_HASH_SECRET)")
        self._answerer = answerer
        self._store = store
        self._secret = secret
        self._notify = notify
        self._clock = clock

    @property
    def answerer(self) -> Answerer:
        return self._answerer()

    def handle(self, incoming: Incoming) -> Reply:
        answerer = self._answerer()
        user = hash_user(incoming.user_id, self._secret) if incoming.user_id and self._secret else None
        if incoming.kind == TEXT:
            return self._text(answerer, incoming.text, user)
        if incoming.kind not in (POSTBACK, FOLLOW, MEDIA):
            raise ValueError(f"unknown incoming kind: {incoming.kind}")
        if self._silent(user):
            return Reply([], extra={"kind": "handoff-silent"})
        if incoming.kind == POSTBACK:
            entry_id = entry_id_from_postback(incoming.text)
            answer = answerer.answer_entry(entry_id) if entry_id else None
            if answer is None:
                return Reply(answerer.non_text(), extra={"kind": "unknown-postback"})
            return Reply(answer.messages, answer)
        if incoming.kind == FOLLOW:
            return Reply(answerer.welcome(), extra={"kind": "welcome"})
        return Reply(answerer.non_text(), extra={"kind": "non-text"})

    def _text(self, answerer: Answerer, text: str, user: str | None) -> Reply:
        # The answerer's urgent guard comes first, and urgent messages skip every other rule:
        # they are answered even during a handoff. (Answering first checks urgency once per
        # message; the answer is dropped for the few messages that are chat requests.)
        answer = answerer.answer(text)
        if answer.kind != "urgent":
            request = chat_request(text)
            if request == DELETE:
                return self._delete_history(answerer.settings, user)
            if request == RESUME_BOT:
                return self._resume(user)
            if self._silent(user):
                return Reply([], extra={"kind": "handoff-silent"})
            if request == TALK_TO_STAFF:
                return self._hand_off(answerer.settings, user, text)
        if answer.kind in LOGGED_KINDS:
            self._log(answerer.settings, user, answer.kind, answer.entry_id, answer.score, answer.candidates, answer.normalised)
        if answer.kind == "urgent":
            self._tell_staff(answerer.settings, "urgent", answer.entry_id, user, text)
        return Reply(answer.messages, answer)

    # -- the staff loop -------------------------------------------------------------------

    def _silent(self, user: str | None) -> bool:
        if self._store is None or user is None:
            return False
        try:
            return self._store.handoff_active(user, now=self._clock())
        except StoreUnavailable as exc:
            log.warning("cannot read handoff state, answering (%s)", exc)
            return False

    def _hand_off(self, settings: Settings, user: str | None, text: str) -> Reply:
        hours: int | None = None
        if self._store is not None and user is not None:
            try:
                self._store.start_handoff(user, settings.handoff.handoff_hours, now=self._clock())
                hours = settings.handoff.handoff_hours
            except StoreUnavailable as exc:
                log.warning("cannot record the handoff, the bot keeps answering this user (%s)", exc)
        self._log(settings, user, "handoff", None, 0.0, (), "")
        self._tell_staff(settings, "handoff", None, user, text)
        return Reply(handoff_messages(settings, hours), extra={"kind": "handoff"})

    def _resume(self, user: str | None) -> Reply:
        if self._store is not None and user is not None:
            try:
                self._store.end_handoff(user)
            except StoreUnavailable as exc:
                log.warning("cannot end the handoff (%s)", exc)
        return Reply([text_message(RESUMED_TEXT)], extra={"kind": "handoff-ended"})

    def _delete_history(self, settings: Settings, user: str | None) -> Reply:
        if self._store is None or user is None:
            return Reply([text_message(NOTHING_KEPT_TEXT)], extra={"kind": "history-deleted", "deleted": 0})
        try:
            deleted = self._store.delete_user(user)
        except StoreUnavailable as exc:
            log.error("history deletion failed (%s)", exc)
            return Reply([text_message(deletion_failed_text(settings))], extra={"kind": "history-delete-failed"})
        log.info("deleted %s logged question(s) at the user's request", deleted)
        return Reply([text_message(deleted_text(deleted))], extra={"kind": "history-deleted", "deleted": deleted})

    def _log(self, settings: Settings, user: str | None, kind: str, entry_id: str | None, score: float,
             candidates: Any, normalised: str) -> None:
        if self._store is None or user is None:
            return
        try:
            self._store.log_question(kind=kind, entry_id=entry_id, score=score, candidates=candidates,
                                     normalised_text=normalised, user_hash=user, now=self._clock())
            self._store.purge_if_due(settings.privacy.retention_days, now=self._clock())
        except StoreUnavailable as exc:
            log.warning("question not logged (%s)", exc)

    def _tell_staff(self, settings: Settings, kind: str, entry_id: str | None, user: str | None, text: str) -> None:
        if self._notify is None:
            return
        notice: dict[str, Any] = {
            "kind": kind,
            "entry_id": entry_id,
            "time": self._clock().isoformat(timespec="seconds"),
            "user_hash": user,
        }
        if settings.handoff.notify_include_text:
            notice["text"] = text
        try:
            self._notify(notice)
        except Exception:  # a failing notice must not cost the patient the reply
            log.exception("staff notice (%s) failed", kind)


RESUMED_TEXT = "自動応答に戻りました。ご質問を文章で送ってください(例:「副作用はありますか?」)。"
NOTHING_KEPT_TEXT = "このチャットでは、お客様のご質問の履歴は保存されていません。"


def deleted_text(count: int) -> str:
    return (
        f"このチャットに保存されていたご質問の履歴を削除しました({count}件)。\n"
        "※トーク画面に表示されているメッセージは、LINEアプリの操作で削除できます。"
        "クリニックの診療記録は対象外です。"
    )


def deletion_failed_text(settings: Settings) -> str:
    return (
        "申し訳ありません。ただいま履歴を削除できませんでした。"
        "時間をおいてもう一度「履歴を削除」と送っていただくか、"
        f"お電話でお申し付けください。\n電話: {settings.phone}(受付: {settings.hours})"
    )


def handoff_messages(settings: Settings, silent_hours: int | None) -> list[dict[str, Any]]:
    """The clinic's contact and hours; says the bot pauses only when it really does."""
    lines = [
        "スタッフが対応いたします。",
        f"お電話でのご相談は{settings.clinic_name}までお気軽にどうぞ。",
        f"電話: {settings.phone}(受付: {settings.hours})",
        f"ご予約・カウンセリング: {settings.booking_url}",
    ]
    if silent_hours:
        lines += [
            "",
            f"これから{silent_hours}時間は自動応答を止め、スタッフがこのトークで順にお返事します"
            "(受付時間外のお問い合わせは、翌診療日のお返事になります)。",
            "自動応答に戻すときは「自動応答に戻る」と送ってください。",
        ]
    lines += ["", "※施術後に体調の変化がある場合は、すぐにお電話ください(緊急時は119番)。"]
    chips = [uri_chip("電話する", settings.phone_uri), uri_chip("予約・カウンセリング", settings.booking_url)]
    return [text_message("\n".join(lines), chips)]
