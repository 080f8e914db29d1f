"""The answering core: one question in, one `Answer` (kind, entry, score, LINE messages) out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import messages
from .faq import Entry, Knowledge, load_knowledge, phrasing_conflicts
from .matcher import Candidate, FaqIndex, decide
from .normalize import Normaliser
from .smalltalk import smalltalk_kind, strip_smalltalk
from .urgent import is_urgent
from .yamlfile import FaqFileError

KINDS = ("answer", "suggest", "fallback", "urgent", "smalltalk")
MAX_MATCH_CHARS = 1000  # a longer message is matched on its start; the guard reads it all
# Offered as chips after a greeting: what most patients ask first.
POPULAR = ("exosome-what", "side-effects", "treatment-menu", "booking")
# Words that make a question about this FAQ's treatment, whatever else it mentions.
ANCHORS = ("エクソソーム", "上清液", "幹細胞培養上清液", "幹細胞", "幹細胞培養液", "培養液")
_KATAKANA_WORD = re.compile(r"[ァ-ヴー]{4,}")


@dataclass(frozen=True)
class Answer:
    question: str
    kind: str
    entry_id: str | None
    score: float
    candidates: tuple[Candidate, ...]
    messages: list[dict[str, Any]] = field(default_factory=list)
    normalised: str = ""  # what was matched; the question log keeps this, not the raw text

    def to_json(self) -> dict[str, Any]:
        """The `faqbot ask --json` contract."""
        return {
            "question": self.question,
            "kind": self.kind,
            "id": self.entry_id,
            "score": self.score,
            "candidates": [{"id": c.id, "score": c.score} for c in self.candidates],
            "messages": self.messages,
        }


class Answerer:
    """Answers questions from one loaded FAQ version. Immutable: reloads build a new one."""

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        self.settings = knowledge.settings
        self.normaliser = Normaliser(knowledge.synonyms)
        entries = knowledge.entries
        # Misspelt katakana in questions is corrected towards the FAQ's own katakana words.
        spellings = {w for e in entries for text in (e.question, *e.phrasings) for w in _KATAKANA_WORD.findall(text)}
        self.normaliser.learn_spellings(spellings | knowledge.synonyms.canonical_words)
        conflicts = phrasing_conflicts(knowledge, self.normaliser)
        if conflicts:
            raise FaqFileError(conflicts)
        self.index = FaqIndex(
            [e.id for e in entries],
            [(e.question, *e.phrasings) for e in entries],
            self.normaliser,
            extra_vocabulary=[e.answer for e in entries] + sorted(knowledge.synonyms.canonical_words),
            anchors=ANCHORS,
        )

    @classmethod
    def from_directory(cls, directory: Path | str, *, environ: dict[str, str] | None = None) -> "Answerer":
        return cls(load_knowledge(directory, environ=environ))

    @property
    def version(self) -> str:
        return self.knowledge.version

    def answer(self, question: str) -> Answer:
        """Urgent guard first, then small talk, then FAQ matching."""
        if is_urgent(question):
            return Answer(question, "urgent", None, 0.0, (), messages.urgent_messages(self.settings))
        small = smalltalk_kind(question)
        if small:
            return Answer(question, "smalltalk", None, 0.0, (), messages.smalltalk_messages(small, self.settings, self._entries(POPULAR)))
        text = strip_smalltalk(question)[:MAX_MATCH_CHARS]
        normalised = self.normaliser.normalise(text)
        match = decide(
            self.index.rank(normalised),
            self.settings.thresholds,
            other_topic=bool(normalised.other_topics),
        )
        best = match.best
        score = best.score if best else 0.0
        if match.band == "answer":
            entry = self.knowledge.entry(best.id)
            return Answer(question, "answer", entry.id, score, match.candidates, self._answer_messages(entry), normalised.surface)
        chosen = self._entries(c.id for c in match.candidates)
        if match.band == "suggest":
            return Answer(question, "suggest", None, score, match.candidates, messages.suggest_messages(chosen, self.settings), normalised.surface)
        return Answer(question, "fallback", None, score, match.candidates, messages.fallback_messages(chosen, self.settings), normalised.surface)

    def answer_entry(self, entry_id: str) -> Answer | None:
        """The answer for an entry chosen from a chip or button (postback)."""
        entry = self.knowledge.entry(entry_id)
        if entry is None:
            return None
        return Answer(entry.question, "answer", entry.id, 100.0, (Candidate(entry.id, 100.0),), self._answer_messages(entry))

    def welcome(self) -> list[dict[str, Any]]:
        return messages.welcome_messages(self.settings, self._entries(POPULAR))

    def non_text(self) -> list[dict[str, Any]]:
        return messages.non_text_messages(self.settings)

    def _answer_messages(self, entry: Entry) -> list[dict[str, Any]]:
        return [messages.answer_bubble(entry, self.settings, self._entries(entry.related))]

    def _entries(self, ids) -> list[Entry]:
        return [e for e in (self.knowledge.entry(i) for i in ids) if e is not None]
