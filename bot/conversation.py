"""One incoming chat event to the reply the bot sends, whatever the transport.

The LINE webhook workers and the local simulator both turn what they receive into an
`Incoming` and call `Conversation.handle`; neither knows how answers are made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .answering import Answer, Answerer
from .messages import entry_id_from_postback

TEXT = "text"
POSTBACK = "postback"
FOLLOW = "follow"
MEDIA = "media"  # sticker, image, video, audio, file, location


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
    """Handles events with whichever FAQ version `answerer()` returns at that moment."""

    def __init__(self, answerer: Callable[[], Answerer]) -> None:
        self._answerer = answerer

    @property
    def answerer(self) -> Answerer:
        return self._answerer()

    def handle(self, incoming: Incoming) -> Reply:
        answerer = self._answerer()
        if incoming.kind == TEXT:
            answer = answerer.answer(incoming.text)
            return Reply(answer.messages, answer)
        if incoming.kind == POSTBACK:
            entry_id = entry_id_from_postback(incoming.text)
            answer = answerer.answer_entry(entry_id) if entry_id else None
            if answer is None:
                return Reply(answerer.non_text(), extra={"kind": "unknown-postback"})
            return Reply(answer.messages, answer)
        if incoming.kind == FOLLOW:
            return Reply(answerer.welcome(), extra={"kind": "welcome"})
        if incoming.kind == MEDIA:
            return Reply(answerer.non_text(), extra={"kind": "non-text"})
        raise ValueError(f"unknown incoming kind: {incoming.kind}")
