"""The answering core: one question in, one `Answer` (kind, entry, score, LINE messages) out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import messages
from .faq import Entry, Knowledge, load_knowledge, phrasing_conflicts
from .matcher import ASPECTS, Candidate, FaqIndex, Match, Scored, decide
from .normalize import Normalised, Normaliser, clean, fold_kana
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
_SENTENCE = re.compile(r"(?<=[。!?！？\n])|(?<=[.…])(?=\S)")
_ASKING = re.compile(
    r"(?:\?|か$|かな|の$|ますか|ですか|でしょうか|ませんか|ください|くれ|ほしい|知りたい|しりたい|聞きたい|教えて|おしえて|"
    r"いい$|可能|できる|大丈夫|平気|どう|なに(?!か)|何(?!か)|いくら|どれ|どこ|どっち|いつ|(?<!よろしく)お願い|(?<!よろしく)おねがい|たい$|たいです)"  # 何かしてやりたい does not ask
)
# (何をやってる asks what something does, not whether the clinic offers it.)
_OFFER = re.compile(r"(?<!何を)(?<!なにを)(?<!何)(?<!なに)(?:やって(?:い)?ますか|やってる|やっていますか)|扱って|取り扱|導入して|置いて(?:い)?ますか|売って")
# How many sessions until a given result (肝斑は何回で治る, 消すには何回通えば) is a figure the
# article does not give and that depends on the person: a question for the counselling, not
# the FAQ. A plain 何回くらい通えばいい is still the menu's question.
_SESSIONS_FOR_A_RESULT = re.compile(
    r"(?:何回|なんかい|回数|何度).{0,12}?(?:治|なお[らりるれ]|消え|きえ|消せ|消す|生え|はえ|なくな|無くな|効果[がは]?(?:出|で)|改善)"
    r"|(?:何回|なんかい|回数)(?:くらい|ぐらい)?(?:必要|いる)"
    r"|(?:治す|治る|消す|消える|なくす|無くす|改善する)(?:には|まで).{0,8}(?:何回|なんかい|回数|何度)"
)


# Words for the clinic's own menu: "do you offer X?" with these asks about this treatment.
_OWN_MENU = frozenset(fold_kana(w) for w in ("メニュー", "施術内容"))

# The word the normaliser puts for 何ですか / どういうもの / って何: a request for a definition.
DEFINITION = "とは"


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


_POINTS_BACK = re.compile(r"(?:それ|あれ|これ|その|あの)")
_MET_AS_A_WORD = re.compile(r"(?:言葉|ことば|名前|単語|用語|文字)(?:が|を|に|も)")


# What is asked of any concern, leaving the concern itself to the context: 安全ですか?,
# 先生に相談できますか?, 何回受ければ変わりますか? after the concern was told.
_ABOUT_ANY_TOPIC = frozenset(fold_kana(w) for w in ("リスク", "副作用", "カウンセリング", "何回", "施術時間", "医師", "両方"))
# A patient's condition (pregnant, breastfeeding, on medication): told as context,
# it stays what the answer is about.
_CONDITIONS = frozenset("w:" + fold_kana(w) for w in ("妊娠", "授乳", "妊活", "薬", "服用", "併用"))
# What is asked about the treatment itself (what it is, does, holds, comes from), not its effect.
_ABOUT_THE_TREATMENT = ASPECTS - {"w:" + fold_kana("効果")}


def _asks_in_words(sentence: str) -> bool:
    return _ASKING.search(fold_kana(clean(sentence))) is not None


def _asks(sentence: str) -> bool:
    """The sentence asks something (clean() drops the question mark, so it is looked for first)."""
    return "?" in sentence or "？" in sentence or _asks_in_words(sentence)


def _last_clause(sentence: str) -> str:
    """The part after the last comma: …のですが、そもそもエクソソームって何ですか?"""
    return re.split(r"[、,，]", sentence)[-1]


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
            safety=[e.id for e in entries if e.safety],
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
        match, normalised = self._match_message(strip_smalltalk(question)[:MAX_MATCH_CHARS])
        match = self._condition_first(match, normalised)
        best = match.best
        score = best.score if best else 0.0
        if match.band == "answer":
            entry = self.knowledge.entry(best.id)
            replies = self._answer_messages(entry)
            if match.both:
                replies += self._answer_messages(self.knowledge.entry(match.candidates[1].id))
            return Answer(question, "answer", entry.id, score, match.candidates, replies, normalised.surface)
        chosen = self._entries(c.id for c in match.candidates)
        if match.band == "suggest":
            return Answer(question, "suggest", None, score, match.candidates, messages.suggest_messages(chosen, self.settings), normalised.surface)
        return Answer(question, "fallback", None, score, match.candidates, messages.fallback_messages(chosen, self.settings), normalised.surface)

    def match(self, text: str) -> tuple[Match, Normalised]:
        """The band and candidates for one piece of text."""
        normalised = self.normaliser.normalise(text)
        if normalised.words and all(w.concept and w.base in self.index.anchors for w in normalised.words):
            # A bare name (エクソソーム?) asks what it is.
            normalised = self.normaliser.normalise(text + "とは")
        scored = self.index.rank(normalised)
        return decide(scored, self.settings.thresholds, other_topic=self._elsewhere(text, normalised, scored)), normalised

    def _elsewhere(self, text: str, normalised: Normalised, scored: Scored) -> bool:
        """The question is about a topic or a service this FAQ does not cover."""
        # "Do you offer X?" about anything but this FAQ's treatment is another service.
        # そっちでやってるコースの中身 asks about the clinic's own menu, not another service.
        own_menu = any(w.base in _OWN_MENU for w in normalised.words)
        folded = fold_kana(clean(text))
        offer = _OFFER.search(folded) is not None and not scored.anchored and not own_menu
        return bool(normalised.other_topics) or offer or _SESSIONS_FOR_A_RESULT.search(folded) is not None

    def _match_message(self, text: str) -> tuple[Match, Normalised]:
        """Match the whole message; when that is not confident, its question sentences.

        A long message buries its question among context (30代です。最近…), which dilutes
        every score; the sentence that asks is usually confident on its own. It may only
        confirm the whole message's best entry, never pick another: the context sentence
        may hold the topic (ニキビが出ます。エクソソームで改善できますか?). The exceptions: a
        question asking what the treatment is, and a last question that names a topic of its
        own which the whole message's entry lacks (`_own_question`).
        """
        whole = self.match(text)
        if whole[0].best is None:
            return whole
        sentences = [s for s in _SENTENCE.split(text) if s.strip()]
        if len(sentences) < 2 and _last_clause(text) == text:
            return whole
        asking = [s for s in sentences if _asks(s)]
        # "What is X?" asks for a definition whatever the context says (友達が受けて
        # きれいになった。そもそもエクソソームって何?): that sentence decides.
        # (…詳しくないのですが、そもそもエクソソームって何ですか? — the clause after the
        # context asks; 何のことかわかりません。教えてください — an earlier sentence does.)
        defining = next(filter(None, map(self._defining_part, reversed(asking))), None)
        if defining is not None:
            result = self.match(defining)
            # 雑誌でエクソソームという言葉を見ました。どういうものですか? — the name is in
            # the context, the question asks what it is. (それって何物? with no name anywhere
            # is answered by nothing.)
            named = {w.surface for w in whole[1].words if w.base in self.index.anchors}
            unnamed = not any(w.base in self.index.anchors for w in result[1].words)
            if result[0].band == "answer" and not unnamed:
                return result
            if len(named) == 1 and unnamed:
                result = self.match(named.pop() + DEFINITION)
                if result[0].band == "answer":
                    return result
        if whole[0].band == "answer":
            # 最近シミが気になっていて。ニキビにも効く? — the question names its own topic, and
            # the concern told as context does not answer it.
            own = self._own_question(text, asking[-1], whole) if asking else None
            return own or whole
        # Only a sentence that asks in words confirms: a bare ？ often ends a remark
        # (…培養するときに出るってこと？ after the question itself).
        for sentence in reversed([s for s in asking if _asks_in_words(s)]):
            result = self.match(sentence)
            if result[0].band == "answer" and result[0].best.id == whole[0].best.id:
                return result
        return self._gist(text, whole) or whole

    def _gist(self, text: str, whole: tuple[Match, Normalised]) -> tuple[Match, Normalised] | None:
        """A long message's FAQ words without its context, when they confirm its best entry.

        The concern and the question often sit in different sentences (…シミが目立つように
        なりました。…効果は期待できますか), and the context between them dilutes every score.
        Only when a concern or condition only the best entry has decides it, and nothing in
        the message stops an answer (another topic or product, a thing that owns the FAQ word,
        a medicine's own effects).
        """
        match, normalised = whole
        if match.band != "suggest":
            return None
        scored = self.index.rank(normalised)
        if (
            scored.decided_by_words != 1  # a concern of the best entry's own (シミ), not a description
            or self._elsewhere(text, normalised, scored)
            or scored.unknown_names
            or scored.unknown_targets
            or scored.owned
            or scored.medicine_effects
        ):
            return None
        words = dict.fromkeys(w.surface for w in normalised.words if w.concept)
        result = self.match("".join(words))
        if result[0].band == "answer" and result[0].best.id == match.best.id:
            return result
        return None

    def _defining_part(self, sentence: str) -> str | None:
        """The part of an asking sentence that asks what the treatment is, if any."""
        clause = _last_clause(sentence)
        # The clause decides only when it names the treatment itself: 具体的にはどんな仕組み?
        # after context asks about that context.
        if clause != sentence and self._asks_definition(clause):
            if self._names_anchor(clause):
                return clause
            # 小さい粒が美容にいいって聞いたけど、それって何者? — それ points back at the name.
            if _POINTS_BACK.match(clause.strip()) and self._names_anchor(sentence):
                return clause
            # 「培養上清」って言葉が出てきたんですけど、何のことか… — the name was met as a word.
            if _MET_AS_A_WORD.search(sentence) and self._names_anchor(sentence):
                return clause
            # …高い化粧品ほど入っている気がするのですが、そもそも何なんですか? — back to basics:
            # what the message named is asked about.
            if clause.lstrip().startswith("そもそも"):
                return clause
        return sentence if self._asks_definition(sentence) else None

    def _own_question(self, text: str, question: str, whole: tuple[Match, Normalised]) -> tuple[Match, Normalised] | None:
        """The last question, answered on its own, when the context around it took the answer.

        最近シミが気になっていて。ニキビにも効く? — ニキビ is asked, シミ is context: the
        whole message's entry (シミ) has no word for what the question names. Not when the
        question leaves its topic to the context (…妊娠中です。安全ですか? — 安全 is also the
        pregnancy entry's word), nor when the context adds no FAQ word (40代です。…).
        """
        if question.strip() == text.strip():
            return None
        own = self.match(question)
        if own[0].band != "answer" or own[0].best.id == whole[0].best.id:
            return None
        asked = self._topic_words(own[1])
        # (As typed: match() reads a bare name, エクソソームで良くなる?, as "what is it".)
        if not asked and any("w:" + w.base in _ABOUT_THE_TREATMENT for w in self.normaliser.normalise(question).words):
            # 上清液って何からできてるの? asks about the treatment it names (what it is, does,
            # holds, comes from); エクソソームで良くなりますか? asks what it does for the concern.
            asked = {"w:" + w.base for w in own[1].words if w.base in self.index.anchors}
        context = self._topic_words(whole[1]) - asked
        if not asked or not context or asked & self.index.entry_words(whole[0].best.id):
            return None
        if context & _CONDITIONS:
            return None  # 妊娠中です。シミにも効く? — a condition told first decides what is safe to say
        return own

    def _condition_first(self, match: Match, normalised: Normalised) -> Match:
        """Of two entries answered together, the one about the patient's condition comes first.

        妊娠中です。肌をきれいにしたくて…大丈夫? gets the pregnancy answer before the beauty one.
        """
        if not match.both:
            return match
        conditions = {"w:" + w.base for w in normalised.words} & _CONDITIONS
        first, second = (self.index.entry_words(c.id) & conditions for c in match.candidates[:2])
        if second and not first:
            return replace(match, candidates=(match.candidates[1], match.candidates[0], *match.candidates[2:]))
        return match

    def _topic_words(self, normalised: Normalised) -> set[str]:
        """FAQ words that say what is asked about (ニキビ, 予約, 妊娠), as `w:` features: not the
        treatment's name nor what is asked of it (効果, 違い, とは)."""
        return {
            "w:" + w.base
            for w in normalised.words
            if w.concept and w.base not in self.index.anchors and "w:" + w.base not in ASPECTS and w.base not in _ABOUT_ANY_TOPIC
        }

    def _names_anchor(self, text: str) -> bool:
        return any(w.base in self.index.anchors for w in self.normaliser.normalise(text).words)

    def _asks_definition(self, sentence: str) -> bool:
        """幹細胞って何? — a definition asked, and no FAQ word but the name (とは別物 compares)."""
        words = self.normaliser.normalise(sentence).words
        concepts = [w.base for w in words if w.concept]
        return DEFINITION in concepts and all(c == DEFINITION or c in self.index.anchors for c in concepts)

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
