"""Japanese text normalisation shared by the FAQ index and incoming questions.

Both sides of every comparison go through the same `Normaliser`, so that width,
script (katakana/hiragana/kanji), long vowels, polite endings and spelling variants
stop mattering and only the words that carry meaning are left.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import jaconv
from rapidfuzz import fuzz, process
from sudachipy import Dictionary, SplitMode

# Katakana → hiragana is a one-to-one code point shift, so spans found in the folded
# text line up with the original text.
_KATA_TO_HIRA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}

# Emoji, pictographs, symbols and punctuation all become a separator; so do lone surrogates
# (JSON may carry "\ud800"), which are no text and which SudachiPy cannot encode.
# CJK punctuation, but not 々 〆 〇 〻, which are parts of words (点々, 色々, 〇〇クリニック).
_SEPARATORS = re.compile(
    r"[\s\u3000-\u3004\u3008-\u303a\u303c-\u303f\uff01-\uff0f\uff1a-\uff20\u2000-\u206f\u2190-\u2bff"
    r"\U0001f000-\U0001faff\ufe0f\u200d\ud800-\udfff!-/:-@\[-`{-~・…]+"
)
# The most a text is read for: SudachiPy refuses more than 49,149 bytes at once, and longer
# texts only cost time (the answerer matches a message's first 1,000 characters anyway).
MAX_CHARS = 10_000
# Zero-width spaces, joiners, direction marks, soft hyphens: invisible, so they join words.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_EQUALS = re.compile(r"[=≠≒]")
_EQUALS_WHAT = re.compile(r"=\s*(?:\?+|$)")  # エクソソーム=? asks what it is
# ○○クリニック: a name left out is written with circles; all of them become 〇, a kanji-like mark.
_CIRCLES = re.compile(r"[○◯]")
# Laughter and trailing noise: 笑, www, ｗｗｗ (already folded by NFKC).
_LAUGHTER = re.compile(r"(?:(?<=[^a-z])|^)w{2,}|笑+|\(笑\)")
_REPEATED_LONG_VOWEL = re.compile(r"[ー〜~]{2,}")
_WAVE_DASH = re.compile(r"[〜~]")
# Trailing ぁ/っ/ー after hiragana (ですかぁ, ますかっ); katakana words keep theirs (タトゥー).
_SMALL_VOWELS_AT_END = re.compile(r"(?<=[ぁ-ゖ])[ぁぃぅぇぉっー]+(?=\s|$)")

# Polite endings and filler that say "this is a question" but not what it is about.
# Phrases that do carry intent (って何, について教えて → とは) are synonyms instead.
_FILLER_PATTERNS = [
    r"を?(?:教えて|おしえて)(?:いただけますか|いただけませんか|もらえますか|もらえませんか|ください|下さい|くれる|くれますか|ほしい|欲しい)?(?:です)?",
    r"(?:すみません|すいません|失礼します|質問です|質問があります|質問なのですが|質問なんですが|ちょっと|あのー|えっと|えーと|ところで|ざっくり|簡単に|詳しく)",
    r"(?<![何なにん])(?:でしょうか|ですか|ますか|ませんか|ですかね|ますかね|かな|かなあ|かなぁ|ですよね|だよね|なのか|ですの|でしょ)(?=\s|$)",
    r"(?:んですけど|んですが|のですが|なのですが|なんですけど|なんですが|ですが)(?=\s|$)",
    r"(?:ください|下さい|お願いします|おねがいします|お願い|よろしく)(?=\s|$)",
]
_FILLER = re.compile("|".join(f"(?:{p})" for p in _FILLER_PATTERNS))

# Words that carry the topic of a question: nouns, verbs, adjectives (by SudachiPy's POS).
_CONTENT_POS = {("名詞", "普通名詞"), ("名詞", "固有名詞"), ("動詞", "一般"), ("形容詞", "一般"), ("形状詞", "一般")}
_NON_TOPIC_NOUN_KIND = {"副詞可能", "助数詞可能"}
# Verbs and adjectives too common to say anything about the topic.
_STOP_WORDS = frozenset(
    "する ある いる なる できる 出来る 思う 言う 聞く 見る 行く 来る くる 受ける 使う 貰う もらう やる 為る 成る 有る 居る "
    "いい 良い よい 無い ない 多い 少ない 欲しい ほしい 分かる わかる 知る 教える 考える 気になる 感じる 違う 同じ "
    "どんな どう どの どれ どういう こんな そんな 何 なに なん 色々 いろいろ 様々 さまざま "
    "大丈夫 平気 問題 可能 本当 ほんと 駄目 だめ 治療 施術 注射 点滴 クリニック 当院 病院 受ける 打つ".split()
)


@functools.cache
def sudachi_dictionary() -> Dictionary:
    """SudachiPy's dictionary, loaded once per process: every FAQ reload shares it.

    It is read-only and takes tens of MB, so a fresh copy per reload would only cost memory.
    """
    return Dictionary(dict="core")


_TOKENIZERS = threading.local()  # SudachiPy tokenizers are not thread-safe: one per thread


def sudachi_tokenizer():
    """This thread's tokenizer over the shared dictionary (split mode C)."""
    tokenizer = getattr(_TOKENIZERS, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _TOKENIZERS.tokenizer = sudachi_dictionary().tokenizer(SplitMode.C)
    return tokenizer


def fold_kana(text: str) -> str:
    """Katakana to hiragana, keeping length, so シミ and しみ compare equal."""
    return text.translate(_KATA_TO_HIRA)


def clean(text: str) -> str:
    """NFKC, lower case, invisible characters dropped, emoji/punctuation to spaces, long vowels squeezed."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).lower()
    # = and ≠ say "the same / not the same" (エクソソーム=上清液?): kept as a word, not punctuation;
    # with nothing after it, = asks what the thing is.
    text = _EQUALS.sub(" イコール ", _EQUALS_WHAT.sub(" イコール何 ", text))
    text = _CIRCLES.sub("〇", text)
    text = _LAUGHTER.sub(" ", text)
    text = _SEPARATORS.sub(" ", text)
    text = _REPEATED_LONG_VOWEL.sub("ー", text)
    text = _WAVE_DASH.sub("", text)
    text = _SMALL_VOWELS_AT_END.sub("", text)
    return " ".join(text.split())


@dataclass(frozen=True)
class Word:
    """A content word of a normalised text, as the FAQ vocabulary knows it."""

    surface: str
    base: str  # canonical synonym, or SudachiPy's normalised form, kana folded
    noun: bool
    foreign_script: bool  # katakana or Latin: names of products and treatments
    concept: bool = False  # came from the synonyms file


@dataclass(frozen=True)
class Normalised:
    """A text ready for matching."""

    surface: str  # canonical spelling, kana folded, filler removed, no spaces
    reading: str  # hiragana reading of `surface`
    words: tuple[Word, ...]
    other_topics: tuple[str, ...]  # names of topics the FAQ does not cover
    residual: tuple[str, ...] = ()  # surface pieces outside synonym words, kana folded
    residual_reading: tuple[str, ...] = ()  # their readings


# A listed spelling cut before its okurigana: kana, then one last kanji (に効, どこで作).
_ENDS_IN_A_STEM = re.compile(r"[\u3041-\u30ff][\u4e00-\u9fff]$")

# Kana that make と part of the word before it (こと, あと, ひと, もと) rather than とは "what is".
_KANA_BEFORE_TOWA = frozenset("こあひも")


class SynonymTable:
    """Replaces every spelling variant by its group's canonical word (longest match first)."""

    def __init__(
        self, groups: Sequence[Sequence[str]], other_topics: Sequence[str] = (), other_clinics: Sequence[str] = ()
    ) -> None:
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
        # Another clinic is a topic only when compared with this one (他院より安い?); 他院で
        #受けたとき赤くなった is context for a question this FAQ answers.
        self._other_clinics = {fold_kana(clean(t)): t for t in other_clinics if clean(t)}
        self._clinic_pattern = _alternation(self._other_clinics)

    def variants(self) -> list[tuple[str, str]]:
        """(folded variant, canonical word) for every listed spelling."""
        return list(self._canonical.items())

    def other_topic_names(self) -> list[str]:
        return list(self._other_topics.values())

    def knows(self, word: str) -> bool:
        """A listed word or other topic (so romaji reading leaves exosome and botox alone)."""
        key = fold_kana(word)
        return key in self._canonical or key in self._other_topics

    @property
    def canonical_words(self) -> set[str]:
        return set(self._canonical.values())

    def canonicalise(self, text: str) -> str:
        """`text` must be `clean`ed; returns it with variants replaced."""
        return "".join(piece for piece, _ in self.segments(text))

    def segments(self, text: str) -> list[tuple[str, bool]]:
        """`text` cut into (piece, is_canonical_word) with every variant replaced."""
        if self._pattern is None:
            return [(text, False)]
        folded = fold_kana(text)
        # Longest variant first over the whole text, not leftmost first: in って何から作る
        # the origin phrase 何から作る must win over the definition phrase って何.
        found = []
        for start in range(len(folded)):
            if folded.startswith("とは", start) and start > 0 and folded[start - 1] in _KANA_BEFORE_TOWA:
                continue  # ことは, あとは, ひとは: a word ending in と, not "what is"
            match = self._pattern.match(folded, start)
            if match:
                found.append((match.end() - start, start, match.end()))
        taken: list[tuple[int, int]] = []
        for _, start, end in sorted(found, key=lambda f: (-f[0], f[1])):
            if all(end <= s or start >= e for s, e in taken):
                taken.append((start, end))
        out: list[tuple[str, bool]] = []
        last = 0
        for start, end in sorted(taken):
            if start > last:
                out.append((text[last:start], False))
            out.append((self._canonical[folded[start:end]], True))
            last = end
        if last < len(text):
            out.append((text[last:], False))
        return out

    def other_topics_in(self, text: str, *, mid_word: Callable[[str, int, int], bool] | None = None) -> tuple[str, ...]:
        """Names of topics the FAQ does not cover. `mid_word(text, start, end)` says when a name
        typed in hiragana is only letters inside other words (ところなんです holds ころな)."""
        folded = fold_kana(text)
        found = []
        for match in self._other_pattern.finditer(folded) if self._other_pattern else ():
            # 化粧品でかぶれる: the other product is what the patient reacted to before, the
            # context of an allergy question this FAQ answers.
            if any(p.match(folded, match.end()) for p in (_REACTED_TO, _SITS_ON_SKIN, _COVERS_UP)):
                continue
            if mid_word is not None and _HIRAGANA.fullmatch(text, match.start(), match.end()) and mid_word(text, match.start(), match.end()):
                continue
            # 化粧品の「培養液」とクリニックの上清液は何が違う? is the FAQ's own medium-vs-supernatant
            # question: the cosmetic is where the patient met the word 培養液.
            if any(c in match.group() for c in _COSMETICS) and _MEDIUM in folded:
                continue
            found.append(self._other_topics[match.group()])
        if self._clinic_pattern is not None and _COMPARISON.search(folded):
            found += [self._other_clinics[f] for f in self._clinic_pattern.findall(folded)]
        return tuple(dict.fromkeys(found))


_HIRAGANA = re.compile(r"[\u3041-\u309fー]+")
_HIRAGANA_CHAR = r"[\u3041-\u309f]"
_SPACE_IN_HIRAGANA = re.compile(rf"(?<={_HIRAGANA_CHAR})\s+(?={_HIRAGANA_CHAR})")
_COSMETICS = tuple(fold_kana(w) for w in ("化粧品", "化粧水", "美容液", "コスメ", "クリーム", "乳液"))
_MEDIUM = fold_kana("培養液")
_REACTED_TO = re.compile(
    fold_kana(r"(?:で|でも|に|も|を?(?:打って|うって|使って|つかって|塗って|ぬって|入れて|いれて|使うと|つかうと|塗ると|ぬると))(?:顔が|肌が|かおが|はだが)?(?:すぐ|よく|たまに|少し|ちょっと)?"
              r"(?:かぶれ|被れ|赤く|あかく|真っ赤|まっか|荒れ|あれ|反応|かゆ|痒|ひりひり|ヒリヒリ|しみる|しみて|染みる|染みて|湿疹|ぶつぶつ|じんましん|蕁麻疹|アレルギー|合わな|あわな|ぱんぱん|パンパン|腫れ|はれ|負け|まけ)")
)
# ファンデがのらない: how make-up sits on the skin is a texture complaint, not a product question.
_SITS_ON_SKIN = re.compile(fold_kana(r"(?:が|の)(?:のらな|乗らな|のり|ノリ|うく|浮く|浮い|よれ|ヨレ)|(?:のり|ノリ)(?:が)?(?:悪|わる)"))
# ファンデでも隠しきれない: make-up that hides the concern is context of a skin question.
_COVERS_UP = re.compile(fold_kana(r"(?:でも|で|じゃ|では)(?:隠|かく)"))
# Words that compare (安い, どっち, 比べ, 評判): with another clinic named, the question compares clinics.
_COMPARISON = re.compile(
    fold_kana(r"比べ|比較|くらべ|どっち|どちら|より|安い|やすい|安く|高い|たかい|違い|ちがい|違う|上手|うま|評判|口コミ|"
              r"おすすめ|オススメ|一番|いちばん|ランキング|ほうが|方が|適正|妥当|相場|ぼったくり")
)


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
        self._dictionary = sudachi_dictionary()
        self._spelling_targets: list[str] = []
        self._known_katakana: set[str] = set()
        # Reading (hiragana) → canonical word, for every listed spelling with a kanji in it.
        self._reading_synonyms: dict[str, str] = {}
        # Readings whose listed spellings all end in a kanji cut off from its okurigana (に効).
        self._stem_readings: set[str] = set()
        not_stems: set[str] = set()
        # Reading → the listed spelling it reads, for long readings nobody listed in kana.
        self._kana_spellings: dict[str, str] = {}
        for variant, canonical in synonyms.variants():
            if _HAS_KANJI.search(variant):
                reading = self._reading(variant)
                if len(reading) >= 3:
                    self._reading_synonyms.setdefault(reading, canonical)
                    (self._stem_readings if _ENDS_IN_A_STEM.search(variant) else not_stems).add(reading)
                    if _KANA_ONLY.fullmatch(reading) and not synonyms.knows(reading):
                        self._kana_spellings.setdefault(reading, variant)
        self._stem_readings -= not_stems
        self._longest_spelling = max(map(len, self._kana_spellings), default=0)
        # Other topics written in kana or romaji (だつもう, iryou datsumou) are found by reading;
        # only long readings, so that short homophones (鍼 はり / ハリ) do not collide.
        self._other_readings: dict[str, str] = {}
        for topic in synonyms.other_topic_names():
            if _HAS_KANJI.search(topic):
                reading = self._reading(clean(topic))
                if len(reading) >= 4:
                    self._other_readings.setdefault(reading, topic)

    def learn_spellings(self, words: Iterable[str]) -> None:
        """Katakana terms that misspelt katakana in questions are corrected to."""
        targets = {w for w in words if len(w) >= 4 and _is_katakana(w)}
        self._spelling_targets = sorted(targets)
        self._known_katakana = set(targets)

    def _tokenizer(self):
        return sudachi_tokenizer()

    def normalise(self, text: str) -> Normalised:
        # じょうせいえきって なにに きくの: spaces between words typed in kana would split 何に効く
        # (the spaces typed, not those that stand for punctuation after clean()).
        text = clean(_SPACE_IN_HIRAGANA.sub("", text))[:MAX_CHARS]
        text = self._romaji_to_kana(text)
        text = self._correct_katakana(text)
        # Kana as typed, before listed words in it are spelled in kanji: other topics typed in
        # kana (しんかんせん, いりょうだつもう) are found in it by their reading.
        typed_in_kana = "|".join(_HIRAGANA.findall(fold_kana(text)))
        text = self._kana_words(text)
        other_topics = self.synonyms.other_topics_in(text, mid_word=self._mid_word)
        surface_parts: list[str] = []
        reading_parts: list[str] = []
        residual: list[str] = []
        residual_reading: list[str] = []
        words: list[Word] = []
        for piece, canonical in self.synonyms.segments(text):
            if not canonical:
                piece = _remove_filler(piece)
            if canonical:
                # A synonym's canonical word stays one word, whatever SudachiPy would do.
                surface_parts.append(piece)
                reading_parts.append(self._reading(piece))
                words.append(Word(piece, fold_kana(piece), True, _is_foreign_script(piece), concept=True))
                continue
            for chunk in piece.split():
                # Tokenise before folding: SudachiPy reads katakana words better than hiragana.
                chunk_surface: list[str] = []
                chunk_reading: list[str] = []
                for item in self._read_synonyms(self._morphemes(chunk)):
                    if isinstance(item, str):  # a synonym found by its reading (成文 → 成分)
                        surface_parts.append(item)
                        reading_parts.append(self._reading(item))
                        words.append(Word(item, fold_kana(item), True, _is_foreign_script(item), concept=True))
                        continue
                    surface = item.surface()
                    reading = item.reading_form()
                    chunk_surface.append(surface)
                    chunk_reading.append(fold_kana(reading) if reading else surface)
                    surface_parts.append(surface)
                    reading_parts.append(chunk_reading[-1])
                    word = _content_word(item)
                    if word is not None:
                        words.append(word)
                residual.append(fold_kana("".join(chunk_surface)))
                residual_reading.append("".join(chunk_reading))
        reading = "".join(reading_parts)
        # Found by reading only when typed in kana or romaji and not written out (a written one
        # may be mere context): the reading of kanji would find せいけい in 再生系 (さいせいけい).
        written = fold_kana(text)
        spoken = tuple(
            t for r, t in self._other_readings.items() if r in typed_in_kana and fold_kana(clean(t)) not in written
        )
        return Normalised(
            surface=fold_kana("".join(surface_parts)),
            reading=reading,
            residual=tuple(residual),
            residual_reading=tuple(residual_reading),
            words=tuple(words),
            other_topics=other_topics + spoken,
        )

    def _morphemes(self, chunk: str) -> list:
        """SudachiPy's morphemes, with Japanese typed in katakana read as such.

        フクサヨウ シンパイ or ﾖﾔｸｼﾀｲﾃﾞｽ is Japanese written in katakana, not a foreign name:
        an out-of-vocabulary katakana run is read again in hiragana, and that reading is kept
        when it is made of real words (しんぱい, し・たい・です) rather than kana fragments.
        """
        out: list = []
        for morpheme in self._tokenizer().tokenize(chunk):
            surface = morpheme.surface()
            if morpheme.is_oov() and len(surface) >= 3 and _NATIVE_KATAKANA.fullmatch(surface):
                reread = list(self._tokenizer().tokenize(fold_kana(surface)))
                if _reads_as_words(reread):
                    out.extend(reread)
                    continue
            out.append(morpheme)
        return out

    def _read_synonyms(self, morphemes: list) -> list:
        """Morphemes, with runs whose reading is a listed word's reading replaced by that word.

        Catches wrong kanji conversions and kana spellings nobody listed: 成文 and せいぶん
        read like 成分, 感細胞 like 幹細胞, こうか like 効果. SudachiPy reads a listed stem
        cut before its okurigana by another sound (に効 as にかい): a run reads as it only
        when it ends in a lone kanji too, not in a whole word (に書いて). Nor does a run that
        starts with a particle (なんか・よう read as 通う).
        """
        table = self._reading_synonyms
        out: list = []
        i = 0
        while i < len(morphemes):
            for j in range(min(len(morphemes), i + 4), i, -1):
                reading = "".join(fold_kana(m.reading_form() or m.surface()) for m in morphemes[i:j])
                canonical = table.get(reading)
                if canonical is not None and self._reads_as_listed(morphemes, i, j, reading):
                    out.append(canonical)
                    i = j
                    break
            else:
                out.append(morphemes[i])
                i += 1
        return out

    def _reads_as_listed(self, morphemes: list, i: int, j: int, reading: str) -> bool:
        """Whether morphemes[i:j], whose reading a listed word has, may stand for that word."""
        if j - i == 1 and _is_function_word(morphemes[i]):
            return False  # a particle or an ending alone
        if j - i > 1 and morphemes[i].part_of_speech()[0] == "助詞":
            return False  # なんか・よう is no 通う
        following = morphemes[j].surface() if j < len(morphemes) else ""
        if _asks_why(reading, following):
            return False
        # A listed stem (に効, read にかい) stands only for a run that ends in a lone kanji too.
        return not (reading in self._stem_readings and len(morphemes[j - 1].surface()) > 1)

    def _romaji_to_kana(self, text: str) -> str:
        """A message typed in romaji (nikibi ni kikimasu ka) read as kana; listed words stay."""
        if not _ROMAJI_MESSAGE.fullmatch(text):
            # kansaibouってなに: a romaji word inside Japanese, when it spells a listed word.
            return _ROMAJI_WORD.sub(lambda m: self._listed_kana(m.group()), text)
        known = self.synonyms.knows
        words = text.split()
        out: list[str] = []
        i = 0
        while i < len(words):
            pair = " ".join(words[i : i + 2])
            if i + 1 < len(words) and known(pair):  # stem cell, side effects
                out.append(f" {pair} ")
                i += 2
                continue
            word = words[i]
            # Romaji separates words with spaces; Japanese does not, so the kana are joined up.
            out.append(f" {word} " if known(word) else _ROMAJI_PARTICLES.get(word) or jaconv.alphabet2kana(word))
            i += 1
        return "".join(out).strip()

    def _mid_word(self, text: str, start: int, end: int) -> bool:
        """The span starts inside a word of the hiragana run it sits in, as SudachiPy reads the
        run (ところ holds the start of ころな). Only the start: SudachiPy often ends a word typed
        in hiragana early (はい・ふって for ハイフって)."""
        run = next((m for m in _HIRAGANA.finditer(text) if m.start() <= start and end <= m.end()), None)
        if run is None:
            return False
        boundaries = {run.start()}
        for morpheme in self._tokenizer().tokenize(run.group()):
            boundaries.add(run.start() + morpheme.end())
        return start not in boundaries

    def _kana_words(self, text: str) -> str:
        """Listed words typed in hiragana inside a longer hiragana run (はだにだんりょくが → 弾力).

        SudachiPy cuts long hiragana runs at the wrong places (はだに read as one word), so the
        reading of a listed word is looked for in the run itself. It counts only where it stands
        between particles, at an end of the run or beside another listed word (びはだこうか →
        美肌効果), so that a reading across two words (ききたいしつもん holds たいしつ) is left alone.
        """
        if not self._kana_spellings:
            return text
        return _HIRAGANA_RUN.sub(lambda run: self._spell_run(run.group(0)), text)

    def _spell_run(self, run: str) -> str:
        readings = self._listed_readings(run)
        out: list[str] = []
        i = 0
        after_word = True  # at the start of the run, or right after a listed word
        while i < len(run):
            word = readings[i] if after_word or run[i - 1] in _WORD_END else None
            if word is None:
                out.append(run[i])
                after_word = False
                i += 1
                continue
            out.append(self._kana_spellings[word])
            after_word = True
            i += len(word)
        return "".join(out)

    def _listed_readings(self, run: str) -> list[str | None]:
        """At each position, the longest listed reading there that ends the run, ends a word or
        stands before another listed reading; worked out from the end of the run, once."""
        found: list[str | None] = [None] * (len(run) + 1)
        for start in range(len(run) - 1, -1, -1):
            for end in range(min(len(run), start + self._longest_spelling), start + 2, -1):
                reading = run[start:end]
                if _asks_why(reading, run[end:]):
                    continue
                if reading in self._kana_spellings and (end == len(run) or run[end] in _WORD_END or found[end]):
                    found[start] = reading
                    break
        return found

    def _listed_kana(self, word: str) -> str:
        if self.synonyms.knows(word):
            return word
        kana = jaconv.alphabet2kana(word.lower())
        return kana if _KANA_ONLY.fullmatch(kana) and self.synonyms.knows(kana) else word

    def _reading(self, text: str) -> str:
        return "".join(fold_kana(m.reading_form() or m.surface()) for m in self._tokenizer().tokenize(text))

    def _in_dictionary(self, word: str) -> bool:
        morphemes = self._tokenizer().tokenize(word)
        return len(morphemes) == 1 and not morphemes[0].is_oov()

    def _correct_katakana(self, text: str) -> str:
        """Fix typos in katakana words (エクソーソム → エクソソーム) against known terms."""
        if not self._spelling_targets:
            return text

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if word in self._known_katakana or self._in_dictionary(word):
                return word  # ニュース is a word of its own, not a typo of メニュー
            if any(target in word for target in self._spelling_targets):
                return word  # エクソソームサプリ: a known term and another word, no typo
            best = process.extractOne(
                word, self._spelling_targets, scorer=fuzz.ratio, score_cutoff=75
            )
            # A typo drops, adds or swaps a letter or two; a longer run is other words too.
            return best[0] if best and abs(len(best[0]) - len(word)) <= 2 else word

        return _KATAKANA_RUN.sub(fix, text)


_KATAKANA_RUN = re.compile(r"[ァ-ヴー]{4,}")
_HAS_KANJI = re.compile(r"[\u4e00-\u9fff々]")
_HIRAGANA_RUN = re.compile(r"[\u3041-\u309fー]{3,}")
# Kana that stand between words in a hiragana run: particles, and the て of って.
_WORD_END = "がをにはでともやへかしなよねての"
_ROMAJI_PARTICLES = {"wa": "は", "wo": "を", "he": "へ"}
_ROMAJI_MESSAGE = re.compile(r"(?=.*[aiueo])[a-z' ]{3,}")
_ROMAJI_WORD = re.compile(r"[A-Za-z]{4,}")
_KANA_ONLY = re.compile(r"[\u3041-\u309fー]+")


# Katakana as native words are written in it: no long-vowel mark and no small vowels or ヴ,
# which mark loanwords (カロナール, ヘッドスパ is caught below).
_NATIVE_KATAKANA = re.compile(r"[アイウエオカ-モヤユヨ-ロワヲンッャュョ]+")
_FUNCTION_POS = ("助詞", "助動詞")


def _asks_why(reading: str, following: str) -> bool:
    """なんで asks why, not what: a listed なん (何) followed by で (あれなんでだろう)."""
    return reading.endswith("なん") and following.startswith("で")


def _reads_as_words(morphemes: list) -> bool:
    """Real words, not a loanword chopped into kana: no symbol or interjection, no one-kana
    word but a verb (し), not starting with a particle, and at least one word that has a
    kanji spelling (しんぱい → 心配); へっ・どす・ぱ or り・ず・べる・く are chopped."""
    if not morphemes or morphemes[0].part_of_speech()[0] in _FUNCTION_POS:
        return False
    spelled_in_kanji = False
    for m in morphemes:
        pos = m.part_of_speech()[0]
        if m.is_oov() or pos in ("補助記号", "感動詞"):
            return False
        if pos in _FUNCTION_POS:
            continue
        if len(m.surface()) < 2 and pos != "動詞":
            return False
        spelled_in_kanji = spelled_in_kanji or bool(_HAS_KANJI.search(m.normalized_form()))
    return spelled_in_kanji


def _content_word(morpheme) -> Word | None:
    pos = morpheme.part_of_speech()
    if (pos[0], pos[1]) not in _CONTENT_POS or pos[2] in _NON_TOPIC_NOUN_KIND:
        return None
    surface = morpheme.surface()
    base = fold_kana(morpheme.normalized_form())
    if base in _STOP_WORDS or fold_kana(morpheme.dictionary_form()) in _STOP_WORDS:
        return None
    return Word(surface, base, pos[0] == "名詞", _is_foreign_script(surface))


def _is_function_word(morpheme) -> bool:
    return morpheme.part_of_speech()[0] in ("助詞", "助動詞", "接尾辞", "補助記号")


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
