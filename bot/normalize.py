"""Japanese text normalisation shared by the FAQ index and incoming questions.

Both sides of every comparison go through the same `Normaliser`, so that width,
script (katakana/hiragana/kanji), long vowels, polite endings and spelling variants
stop mattering and only the words that carry meaning are left.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Iterable, Sequence

from rapidfuzz import fuzz, process
from sudachipy import Dictionary, SplitMode

# Katakana → hiragana is a one-to-one code point shift, so spans found in the folded
# text line up with the original text.
_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}

# Emoji, pictographs, symbols and punctuation all become a separator.
_SEPARATORS = re.compile(
    r"[\s\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u2000-\u206f\u2190-\u2bff"
    r"\U0001f000-\U0001faff\ufe0f\u200d!-/:-@\[-`{-~・…]+"
)
# Laughter and trailing noise: 笑, www, ｗｗｗ (already folded by NFKC).
_LAUGHTER = re.compile(r"(?:(?<=[^a-z])|^)w{2,}|笑+|\(笑\)")
_REPEATED_LONG_VOWEL = re.compile(r"[ー〜~]{2,}")
_WAVE_DASH = re.compile(r"[〜~]")
_SMALL_VOWELS_AT_END = re.compile(r"[ぁぃぅぇぉァィゥェォっッー]+(?=\s|$)")

# Polite endings and filler that say "this is a question" but not what it is about.
# Applied after synonyms, on the kana-folded text; longest first.
_FILLER_PATTERNS = [
    r"について(?:詳しく)?(?:教えて|おしえて|知りたい|しりたい|聞きたい|ききたい)(?:ください|下さい|くれ|ほしい|欲しい)?(?:ますか|ません)?",
    r"を?(?:教えて|おしえて)(?:いただけますか|いただけませんか|もらえますか|もらえませんか|ください|下さい|くれる|くれますか|ほしい|欲しい)?",
    r"(?:を|が)?(?:知りたい|しりたい|聞きたい|ききたい)(?:です)?",
    r"(?:すみません|すいません|失礼します|質問です|質問があります|質問なのですが|質問なんですが|ちょっと|あの|あのー|えっと|えーと|ところで)",
    r"(?:って|とは)(?:何|なに|なん)(?:ですか|でしょうか|ですの|なの|のこと|のことですか|ですかね)?",
    r"(?:でしょうか|ですか|ますか|ませんか|ですかね|ますかね|かな|かなあ|かなぁ|ですよね|だよね|なの|なのか|のか|ですの|でしょ)(?=\s|$)",
    r"(?:んですけど|んですが|のですが|なのですが|なんですけど|なんですが|けど|ですが)(?=\s|$)",
    r"(?:ください|下さい|お願いします|おねがいします|お願い|よろしく)(?=\s|$)",
]
_FILLER = re.compile("|".join(f"(?:{p})" for p in _FILLER_PATTERNS))

# Part-of-speech pairs that carry the topic of a question.
_CONTENT_POS = {("名詞", "普通名詞"), ("名詞", "固有名詞")}
_NON_TOPIC_NOUN_KIND = {"副詞可能", "助数詞可能"}


def fold_kana(text: str) -> str:
    """Katakana to hiragana, keeping length, so シミ and しみ compare equal."""
    return text.translate(_KATA_TO_HIRA)


def clean(text: str) -> str:
    """NFKC, lower case, emoji/punctuation to spaces, long vowels squeezed."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _LAUGHTER.sub(" ", text)
    text = _SEPARATORS.sub(" ", text)
    text = _REPEATED_LONG_VOWEL.sub("ー", text)
    text = _WAVE_DASH.sub("", text)
    text = _SMALL_VOWELS_AT_END.sub("", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Word:
    """A content noun of a normalised text, as the FAQ vocabulary knows it."""

    surface: str
    base: str
    foreign_script: bool  # katakana or Latin: names of products and treatments


@dataclass(frozen=True)
class Normalised:
    """A text ready for matching."""

    surface: str  # canonical spelling, kana folded, filler removed, no spaces
    reading: str  # hiragana reading of `surface`
    words: tuple[Word, ...]
    other_topics: tuple[str, ...]  # names of topics the FAQ does not cover


class SynonymTable:
    """Replaces every spelling variant by its group's canonical word (longest match first)."""

    def __init__(self, groups: Sequence[Sequence[str]], other_topics: Sequence[str] = ()) -> None:
        self._canonical: dict[str, str] = {}
        for group in groups:
            canonical = clean(group[0])
            for variant in group:
                key = fold_kana(clean(variant))
                if key:
                    self._canonical.setdefault(key, canonical)
        self._pattern = _alternation(self._canonical)
        self._other_topics = {fold_kana(clean(t)): t for t in other_topics if clean(t)}
        self._other_pattern = _alternation(self._other_topics, ascii_word_boundaries=True)

    @property
    def canonical_words(self) -> set[str]:
        return set(self._canonical.values())

    def canonicalise(self, text: str) -> str:
        """`text` must be `clean`ed; returns it with variants replaced."""
        if self._pattern is None:
            return text
        folded = fold_kana(text)
        out: list[str] = []
        last = 0
        for match in self._pattern.finditer(folded):
            out.append(text[last : match.start()])
            out.append(self._canonical[match.group(0)])
            last = match.end()
        out.append(text[last:])
        return "".join(out)

    def other_topics_in(self, text: str) -> tuple[str, ...]:
        if self._other_pattern is None:
            return ()
        found = self._other_pattern.findall(fold_kana(text))
        return tuple(dict.fromkeys(self._other_topics[f] for f in found))


def _alternation(words: Iterable[str], *, ascii_word_boundaries: bool = False) -> re.Pattern[str] | None:
    ordered = sorted(set(words), key=len, reverse=True)
    if not ordered:
        return None
    parts = []
    for word in ordered:
        escaped = re.escape(word)
        if ascii_word_boundaries and word.isascii():
            escaped = rf"(?<![a-z0-9]){escaped}(?![a-z0-9])"
        parts.append(escaped)
    return re.compile("|".join(parts))


class Normaliser:
    """Turns any question or FAQ phrasing into a `Normalised` form."""

    def __init__(self, synonyms: SynonymTable) -> None:
        self.synonyms = synonyms
        self._dictionary = Dictionary(dict="core")
        self._local = threading.local()  # SudachiPy tokenizers are not thread-safe
        self._spelling_targets: list[str] = []
        self._known_katakana: set[str] = set()

    def learn_spellings(self, words: Iterable[str]) -> None:
        """Katakana terms that misspelt katakana in questions are corrected to."""
        targets = {w for w in words if len(w) >= 4 and _is_katakana(w)}
        self._spelling_targets = sorted(targets)
        self._known_katakana = set(targets)

    def _tokenizer(self):
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            tokenizer = self._dictionary.tokenizer(SplitMode.C)
            self._local.tokenizer = tokenizer
        return tokenizer

    def normalise(self, text: str) -> Normalised:
        text = clean(text)
        text = self._correct_katakana(text)
        text = self.synonyms.canonicalise(text)
        other_topics = self.synonyms.other_topics_in(text)
        text = _remove_filler(text)
        # Tokenise before folding: SudachiPy reads katakana words better than hiragana.
        surface_parts: list[str] = []
        reading_parts: list[str] = []
        words: list[Word] = []
        for chunk in text.split():
            for morpheme in self._tokenizer().tokenize(chunk):
                surface = morpheme.surface()
                surface_parts.append(surface)
                reading = morpheme.reading_form()
                reading_parts.append(fold_kana(reading) if reading else surface)
                pos = morpheme.part_of_speech()
                if (pos[0], pos[1]) in _CONTENT_POS and pos[2] not in _NON_TOPIC_NOUN_KIND:
                    words.append(
                        Word(
                            surface=surface,
                            base=fold_kana(morpheme.normalized_form()),
                            foreign_script=_is_foreign_script(surface),
                        )
                    )
        return Normalised(
            surface=fold_kana("".join(surface_parts)),
            reading="".join(reading_parts),
            words=tuple(words),
            other_topics=other_topics,
        )

    def _correct_katakana(self, text: str) -> str:
        """Fix typos in katakana words (エクソーソム → エクソソーム) against known terms."""
        if not self._spelling_targets:
            return text

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if word in self._known_katakana:
                return word
            best = process.extractOne(
                word, self._spelling_targets, scorer=fuzz.ratio, score_cutoff=75
            )
            return best[0] if best else word

        return _KATAKANA_RUN.sub(fix, text)


_KATAKANA_RUN = re.compile(r"[ァ-ヴー]{4,}")


def _remove_filler(text: str) -> str:
    """Drop filler spans found in the kana-folded view, keeping the original script."""
    pieces: list[str] = []
    last = 0
    for match in _FILLER.finditer(fold_kana(text)):
        pieces.append(text[last : match.start()])
        pieces.append(" ")
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces).strip()


def _is_katakana(word: str) -> bool:
    return bool(re.fullmatch(r"[ァ-ヴー]+", word))


def _is_foreign_script(word: str) -> bool:
    return bool(re.fullmatch(r"[ァ-ヴーa-z0-9\-]+", word))
