"""Fuzzy matching of a normalised question against the FAQ, and the answer/suggest/fallback decision.

Scoring combines three signals, each in [0, 1]:
- containment: how completely one phrasing of an entry appears in the question
  (IDF-weighted character n-grams, so a long message that contains "しわ" still hits);
- coverage: how much of the question's known content the entry's vocabulary explains
  (separates エクソソームとは from エクソソームと上清液の違い);
- similarity: rapidfuzz's normalised Indel ratio against the closest phrasing, which
  forgives typos and word order.
Words the FAQ has never seen (ボトックス, 駐車場) then pull the score down, because a
question about something else must not get a confident answer.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from .normalize import Normalised, Normaliser, fold_kana
from .settings import Thresholds

# Words that say what kind of question it is rather than what it is about count less:
# in 成分は何ですか the topic is 成分, not "what is".
INTENT_WEIGHTS = {"とは": 0.5}
# What a question asks about a thing, as opposed to the thing (a concern, a condition).
ASPECTS = frozenset("w:" + fold_kana(w) for w in ("とは", "違い", "効果", "働き", "由来", "成分"))
# A noun right before one of these names a treatment or product (美白注射, 鍼治療).
_TREATMENT_AFTER = r"の?(?:注射|点滴|治療|施術|療法|手術|整形|注入|薬|剤|さぷり|くりーむ|まっさーじ|れーざー)"
# A noun right before one of these is what the patient wants treated or used on (がんに効く,
# 犬にも使える): when the FAQ never names it, the question is about something it does not cover.
# (Only after に: 髪が薄くなって is read as 髪が効果, which is about the FAQ's own topic.)
# (効果 straight after the noun: the synonyms read がんに効く as がん効果.)
_TARGET_AFTER = r"(?:(?:に|には|にも)(?:効果|効|治|なお|よくな|良くな|改善|回復|使え|つかえ|使用)|効果|の(?:効果|改善|治療|予防|回復|緩和)(?:に|には|にも))"  # 糖尿病の改善に (改善 reads 効果)
# FAQ words that name a property of something (its origin, price, ingredients): in
# 肉じゃがの作り方 or 日経平均はいくら they belong to a thing the FAQ does not cover.
_ATTRIBUTES = frozenset(
    fold_kana(w) for w in ("由来", "料金", "成分", "副作用", "効果", "働き", "違い", "施術時間", "何回", "予約", "メニュー", "妊娠", "申し込み", "しみ", "しわ", "くすみ", "ざらつき")
)
_TARGET_AFTER_MEANS = (
    r"(?:に|には|にも|は|が|も|って)(?:効果|効|治|なお|よくな|良くな|改善|回復|使え|つかえ|使用|軽く|かるく|楽に|らくに|消え|なくな)"
)
_MEANS_AFTER = r"(?:の)?(?:点滴|注射|治療|施術|点鼻|吸入|塗布|内服|投与)?で"  # エクソソーム(点滴)で
# 更年期障害に上清液は効く: the target, then the treatment, then the verb.
_TARGET_BEFORE_ANCHOR = r"(?:に|には|にも)[^、。]{1,12}?(?:は|って|で|が)(?:効果|効|治|なお|よくな|良くな|改善|回復)"
_MEDICINE_EFFECTS = tuple(fold_kana(p) for p in ("薬の副作用", "薬の副反応", "薬で副作用", "薬って副作用", "薬は副作用", "薬も副作用"))
_DIFFERENCE = fold_kana("違い")  # the synonyms' word for どっち, 比べ, 違う
_TREATMENT_AFTER_TAKING = r"の?(?:注射|点滴|治療|施術|療法|手術|整形|注入|さぷり|くりーむ|まっさーじ|れーざー)"
_TAKING = frozenset(fold_kana(w) for w in ("服用", "併用"))
_KANJI = re.compile(r"[\u4e00-\u9fff々]")

# Generic nouns that say nothing about the topic (the question is still about the FAQ).
GENERIC_NOUNS = frozenset(
    fold_kana(w)
    for w in (
        "こと 事 もの 物 方 かた 人 ひと 私 わたし 自分 僕 俺 今 今回 前 後 時 とき 気 感じ 顔 年 歳 才 代 月 日 週 "
        "回 何 なに なん 何か 今日 昨日 明日 最近 以前 先日 先月 先週 今度 これ それ あれ どれ ここ そこ 場合 "
        "程度 くらい 位 ぐらい 的 系 様 さん ちゃん 女性 男性 母 娘 友達 友人 夫 妻 家族 子供 子ども 仕事 "
        "年齢 歳 肌 お肌 皮膚 体 からだ 身体 状態 悩み 不安 心配 質問 問題 関係 話 意味 本当 ほんと 普通 "
        "一番 一度 初めて はじめて 全部 全体 部分 ところ 所 辺 頃 ごろ 間 あいだ 中 なか 上 下 次 他 ほか "
        "いい 良い 感 気持ち 興味 予定 機会 理由 結局 実際 以上 以下 程 為 ため 通り とおり 都合 "
        "line ライン 正直 読み方 ネット インスタ sns テレビ 雑誌 口コミ 友達 知人 生理 体調 時期 毎日 毎朝 毎晩 "
        "具体的 基本的 一般的 簡単 詳細 大体 だいたい 結構 普段 ふだん まじ マジ やつ 奴 の "
        "サイト ホームページ サロン ブログ 記事 広告 ウェブ web アップ up アカン あかん"  # 弾力アップ: more of it, no product
    ).split()
)


# Nouns of a patient's world that are not topics but belong to in-scope questions: the body,
# the skin, the clinic visit, what a patient may be allergic to. A FAQ word that belongs to a
# noun outside this list and the FAQ's words (新幹線の予約, 犬の散歩って何回) is about that thing.
DOMAIN_NOUNS = frozenset(
    fold_kana(w)
    for w in (
        "頬 ほお ほっぺ あご 顎 おでこ 額 鼻 小鼻 口 口元 口周り 口まわり まわり 周り せい 目 目元 目尻 目の下 まぶた 首 首元 デコルテ 手 手の甲 腕 背中 胸 "
        "頭 頭皮 髪 毛 毛穴 フェイスライン 輪郭 全身 線 溝 点 色 跡 あと 手触り 化粧 メイク 化粧ノリ ノリ のり すっぴん "
        "マスク ケア スキンケア クリニック ドクター ナース スタッフ カウンセラー "
        "液 液体 粒 物質 元 もと 袋 膜 細胞 細胞同士 血液 "
        "skin face スキン ティックトック tiktok インスタ インスタグラム instagram youtube ユーチューブ sns ツイッター twitter ビフォーアフター ビフォー アフター ファンデ ファンデーション 下地 逆 有り あり 可能性 影響 例 ケース タイプ 一緒 同時 前後 OK NG 目安 期間 回数 場所 希望 手続き 手順 無料 当日 翌日 "
        "来院 院 表 初回 初診 再診 診察 受診 予算 日にち 日程 空き 都合 "
        "赤ちゃん 子 こ 母乳 ミルク 混合 出産 産後 生後 妊娠中 "
        "卵 小麦 そば 蕎麦 えび 海老 かに 蟹 乳製品 食べ物 食物 花粉 ハウスダスト 金属 ゴム 動物 "
        "持病 病気 治療中 通院 錠剤 処方 "
        "将来 将来的 実年齢 見た目 年相応 老け 疲れ 睡眠 ストレス 乾燥 紫外線 日焼け 季節 夏 冬"
    ).split()
)


@dataclass(frozen=True)
class Candidate:
    id: str
    score: float


@dataclass(frozen=True)
class Scored:
    """Ranked candidates for a question, with what the decision needs to know about it."""

    candidates: list[Candidate]
    word_backed: bool  # the best entry shares a word with the question, not only characters
    anchored: bool  # the question names this FAQ's treatment (エクソソーム, 上清液…)
    unknown_names: tuple[str, ...] = ()  # katakana/Latin nouns the FAQ never uses (ミノキシジル)
    unknown_targets: tuple[str, ...] = ()  # unknown nouns the treatment is asked to work on (がんに効く)
    unknown_nouns: int = 0  # content nouns the FAQ never uses
    owned: int = 0  # FAQ words that belong to one of those nouns (肉じゃがの作り方)
    foreign_nouns: int = 0  # unknown nouns from outside the clinic's world (新幹線, ドル)
    concepts: int = 0  # distinct FAQ words (synonym groups) in the question
    compares: bool = False  # asks for a difference or a choice (違い, どっち)
    medicine_effects: bool = False  # asks about a medicine's own side effects (ピルの副作用)
    two_topics: bool = False  # the two best entries each answer a different part (シミとくすみ)
    # Only one of the two best entries is chosen by a word of the question the other lacks
    # (乾燥でざらつく。エクソソームは効果ある? — ざらつき): 1 the best, 2 the runner-up, else 0.
    decided_by_words: int = 0


@dataclass(frozen=True)
class Match:
    band: str  # "answer", "suggest" or "fallback"
    candidates: tuple[Candidate, ...]  # best first
    both: bool = False  # answer the two best entries: the question asks about both

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True)
class _Doc:
    entry: int
    surface: str
    features: dict[str, float]  # feature → weight before IDF


@dataclass(frozen=True)
class Weights:
    """How the signals combine; tuned on labelled questions, not per question."""

    coverage: float = 0.45
    containment: float = 0.35
    similarity: float = 0.2
    char_features: float = 0.05  # character n-grams count this much of a word
    idf_power: float = 1.0  # > 1 sharpens: rare words (しわ) dominate common ones (エクソソーム)
    phrasing_recall: float = 0.0  # 0: a phrasing wholly inside the question scores 1, however short
    safety_boost: float = 1.15  # score multiplier for entries marked safety: true
    other_subject: float = 0.9  # multiplier for entries about another treatment than the one named


def features_of(text: Normalised, char_weight: float) -> dict[str, float]:
    """Words (canonical synonyms, SudachiPy base forms), plus character bigrams of what the
    synonyms did not recognise, in spelling and in reading, so unlisted variants still meet."""
    out: dict[str, float] = {}
    for word in text.words:
        out["w:" + word.base] = INTENT_WEIGHTS.get(word.base, 1.0)
    for surface in text.residual:
        for i in range(len(surface) - 1):
            out.setdefault("c:" + surface[i : i + 2], char_weight)
        for ch in surface:
            if _KANJI.match(ch):
                out.setdefault("c:" + ch, char_weight)
    for reading in text.residual_reading:
        for i in range(len(reading) - 1):
            out.setdefault("r:" + reading[i : i + 2], char_weight)
    return out


class FaqIndex:
    """An index over every phrasing of every entry; `score()` ranks entries for a question.

    Postings are numpy arrays so one question costs a few vector operations, however many
    phrasings staff add.
    """

    def __init__(self, entry_ids: Sequence[str], phrasings: Sequence[Sequence[str]], normaliser: Normaliser,
                 *, extra_vocabulary: Iterable[str] = (), anchors: Iterable[str] = (), weights: Weights = Weights(),
                 safety: Iterable[str] = ()) -> None:
        self.entry_ids = tuple(entry_ids)
        # Safety entries (pregnancy, medication, allergy…) weigh more when a question touches
        # them and something else: "授乳中だけどシミに効く?" must first hear about 授乳.
        self._boost = np.array([weights.safety_boost if e in set(safety) else 1.0 for e in self.entry_ids])
        self.normaliser = normaliser
        self.weights = weights
        self.anchors = frozenset(fold_kana(a) for a in anchors)
        docs: list[_Doc] = []
        vocabulary: set[str] = set(GENERIC_NOUNS)
        entry_anchors: list[set[str]] = [set() for _ in self.entry_ids]
        for index, texts in enumerate(phrasings):
            for text in texts:
                normalised = normaliser.normalise(text)
                if not normalised.surface:
                    continue
                docs.append(_Doc(index, normalised.surface, features_of(normalised, weights.char_features)))
                entry_anchors[index].update(w.base for w in normalised.words if w.base in self.anchors)
                vocabulary.update(_word_keys(normalised))
        for text in extra_vocabulary:
            vocabulary.update(_word_keys(normaliser.normalise(text)))
        self._docs = docs
        self._entry_anchors = [frozenset(a) for a in entry_anchors]
        self._subject_cache: dict[frozenset[str], np.ndarray] = {}
        self._doc_surfaces = [d.surface for d in docs]
        self.vocabulary = frozenset(vocabulary)

        entry_features: list[set[str]] = [set() for _ in self.entry_ids]
        doc_postings: dict[str, list[int]] = defaultdict(list)
        for number, doc in enumerate(docs):
            entry_features[doc.entry].update(doc.features)
            for feature in doc.features:
                doc_postings[feature].append(number)
        entry_postings: dict[str, list[int]] = defaultdict(list)
        for entry, feats in enumerate(entry_features):
            for feature in feats:
                entry_postings[feature].append(entry)
        n = len(self.entry_ids)
        # BM25's IDF over entries: rare words (しわ) weigh far more than words many entries share.
        self._idf = {
            f: math.log(1 + (n - len(e) + 0.5) / (len(e) + 0.5)) ** weights.idf_power for f, e in entry_postings.items()
        }
        self._entry_features = [frozenset(f) for f in entry_features]
        self._doc_postings = {f: np.array(p, dtype=np.int32) for f, p in doc_postings.items()}
        self._entry_postings = {f: np.array(p, dtype=np.int32) for f, p in entry_postings.items()}
        self._doc_weight = np.array([sum(self._idf[f] * w for f, w in d.features.items()) for d in docs] or [1.0])
        # Docs are stored entry by entry: reduceat over these starts gives a per-entry maximum.
        self._doc_entry = np.array([d.entry for d in docs], dtype=np.int32)
        self._entries_with_docs, self._entry_starts = np.unique(self._doc_entry, return_index=True)

    def entry_words(self, entry_id: str) -> frozenset[str]:
        """The FAQ words (synonym groups, base forms) an entry's phrasings use, as `w:` features."""
        return self._entry_features[self.entry_ids.index(entry_id)]

    def __len__(self) -> int:
        return len(self._docs)

    def rank(self, query: Normalised) -> Scored:
        """`score()` plus what the decision needs to know about the question."""
        candidates = self.score(query)
        words = {"w:" + w.base for w in query.words}
        backed = bool(candidates) and bool(words & self._entry_features[self.entry_ids.index(candidates[0].id)])
        anchored = any(w.base in self.anchors for w in query.words)
        unknown = [w for w in query.words if w.noun and not self._known(w)]
        foreign = [w for w in unknown if w.base not in DOMAIN_NOUNS and fold_kana(w.surface) not in DOMAIN_NOUNS]
        # With the treatment as the means (エクソソームで), Xは良くなる asks about X as well.
        means = any(
            w.base in self.anchors and re.search(re.escape(fold_kana(w.surface)) + _MEANS_AFTER, query.surface)
            for w in query.words
        )
        after = _TARGET_AFTER_MEANS if means else _TARGET_AFTER
        if anchored:
            after = f"(?:{after}|{_TARGET_BEFORE_ANCHOR})"
        # (炎, 症, 病 may follow as a word of their own: 副鼻腔・炎に効く.)
        targets = tuple(
            w.surface for w in foreign if re.search(re.escape(fold_kana(w.surface)) + "(?:炎|症|病)?" + after, query.surface)
        )
        concepts = len({w.base for w in query.words if w.concept and w.base not in INTENT_WEIGHTS})
        owners = 0
        # 肉じゃがの作り方, 新幹線の予約の仕方, 散歩って一日何回: the FAQ word belongs to something else
        # (肉じゃがの美味しい作り方: the next noun, past an adjective).
        next_noun = None
        next_nouns = []  # per word, from the last: the first noun or FAQ word after it
        for word in reversed(query.words):
            next_nouns.append(next_noun)
            if word.noun or word.concept:
                next_noun = word
        for word, following in zip(query.words, reversed(next_nouns)):
            if following is not None and word in foreign and following.base in _ATTRIBUTES and re.search(
                # (焼肉屋の予約: a shop's suffix may follow the owner.)
                re.escape(fold_kana(word.surface)) + r"(?:屋|店|さん)?(?:(?:の|は|って)[^、]{0,4}?)?" + re.escape(fold_kana(following.surface)),
                query.surface,
            ):
                owners += 1
        # ピルの副作用: the side effects asked about are the medicine's, not the treatment's.
        medicine = any(pair in query.surface for pair in _MEDICINE_EFFECTS)
        two_topics = False
        decided = 0
        if len(candidates) > 1:
            # The words that choose each entry, beside the treatment's name and "what is".
            asked = {
                "w:" + w.base for w in query.words if w.concept and w.base not in self.anchors and w.base not in INTENT_WEIGHTS
            }
            first = self._entry_features[self.entry_ids.index(candidates[0].id)] & asked
            second = self._entry_features[self.entry_ids.index(candidates[1].id)] & asked
            two_topics = bool(first - second) and bool(second - first)
            # Only a concern or a condition (ざらつき, ニキビ, 妊娠) settles it; what is asked
            # about it (効果, 違い, 由来) also describes the thing (細胞から出る小さい袋).
            if (first - second) - ASPECTS and not second - first:
                decided = 1
            elif (second - first) - ASPECTS and not first - second:
                decided = 2
        return Scored(
            candidates, backed, anchored, self.unknown_names(query), targets, len(unknown), owners, len(foreign), concepts,
            any(w.base == _DIFFERENCE for w in query.words), medicine, two_topics, decided,
        )

    def _known(self, word) -> bool:
        return word.concept or word.base in self.vocabulary or fold_kana(word.surface) in self.vocabulary

    def unknown_names(self, query: Normalised) -> tuple[str, ...]:
        """Nouns the FAQ never uses that name what the question is about.

        A katakana or Latin name (ミノキシジル) usually is another product or treatment; so is
        an unknown noun that names a treatment (美白注射, 鍼治療, 肝斑の薬).
        """
        # Taking medicine is this FAQ's own topic: 高血圧の薬を飲んでいる names no other product.
        taking = any(w.base in _TAKING for w in query.words)
        treatment_after = _TREATMENT_AFTER_TAKING if taking else _TREATMENT_AFTER
        names = []
        for w in query.words:
            if not w.noun or w.concept or w.base in self.vocabulary or fold_kana(w.surface) in self.vocabulary:
                continue
            if w.base in DOMAIN_NOUNS or fold_kana(w.surface) in DOMAIN_NOUNS:
                continue  # マスク, タイプ: everyday katakana, not a product
            if w.foreign_script and len(w.surface) >= 3:
                names.append(w.surface)
            elif re.search(re.escape(fold_kana(w.surface)) + treatment_after, query.surface):
                names.append(w.surface)
        return tuple(names)

    def score(self, query: Normalised, *, limit: int = 10) -> list[Candidate]:
        """The `limit` best entries with a positive score, best first; scores are 0–100."""
        if not query.surface or not self._docs:
            return []
        weights = self.weights
        known = {f: w * self._idf[f] for f, w in features_of(query, weights.char_features).items() if f in self._idf}
        q_weight = sum(known.values())
        if q_weight == 0:
            return []
        entries = len(self.entry_ids)
        overlap = np.zeros(len(self._docs))
        coverage = np.zeros(entries)
        for feature, weight in known.items():
            overlap[self._doc_postings[feature]] += weight
            coverage[self._entry_postings[feature]] += weight
        coverage /= q_weight

        precision = np.minimum(1.0, overlap / self._doc_weight)
        if weights.phrasing_recall:
            recall = np.minimum(1.0, overlap / q_weight)
            precision = precision ** (1 - weights.phrasing_recall) * recall**weights.phrasing_recall
        containment = self._per_entry_max(precision)
        similarity = process.cdist(
            [query.surface], self._doc_surfaces, scorer=fuzz.ratio, score_cutoff=30, dtype=np.uint8, workers=1
        )[0]
        similarity = self._per_entry_max(similarity.astype(np.float64) / 100)

        total = weights.coverage * coverage + weights.containment * containment + weights.similarity * similarity
        total *= 100 * self.unknown_word_factor(query) * self._boost
        # A question that names one treatment (エクソソームってアンチエイジングになる?) is less
        # about entries whose phrasings only ever name another one (the 上清液 entries).
        named = frozenset(w.base for w in query.words if w.base in self.anchors)
        if named:
            total *= self._subject_factors(named)
        np.minimum(total, 100.0, out=total)
        total[(containment == 0) & (similarity == 0)] = 0
        best = np.argsort(-total, kind="stable")[:limit]
        return [Candidate(self.entry_ids[i], round(float(total[i]), 1)) for i in best if total[i] > 0]

    def _subject_factors(self, named: frozenset[str]) -> np.ndarray:
        """Per entry: `other_subject` where the entry names only other treatments, else 1."""
        factors = self._subject_cache.get(named)
        if factors is None:
            factors = np.array(
                [self.weights.other_subject if a and not a & named else 1.0 for a in self._entry_anchors]
            )
            self._subject_cache[named] = factors  # a handful of anchor combinations exist
        return factors

    def _per_entry_max(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros(len(self.entry_ids))
        out[self._entries_with_docs] = np.maximum.reduceat(values, self._entry_starts)
        return out

    def unknown_word_factor(self, query: Normalised) -> float:
        """1.0 when every noun is one the FAQ uses; lower with each unknown noun.

        A question that names the treatment (an anchor such as エクソソーム) keeps most of
        its score: its unknown words are context (インスタで見た), not another topic.
        """
        known = unknown = 0.0
        anchored = False
        for word in query.words:
            if word.base in self.anchors:
                anchored = True
            if not word.noun and not word.concept:
                continue
            if word.concept or word.base in self.vocabulary or fold_kana(word.surface) in self.vocabulary:
                known += 1.0
            elif word.base in DOMAIN_NOUNS or fold_kana(word.surface) in DOMAIN_NOUNS:
                # 口まわり, マスク: where and how a skin complaint shows, not another topic.
                unknown += 0.2
            else:
                unknown += 1.0 if word.foreign_script else 0.6
        if anchored:
            unknown *= 0.3
        return (known + 0.5) / (known + unknown + 0.5)


def _word_keys(text: Normalised) -> set[str]:
    keys = set()
    for word in text.words:
        keys.add(word.base)
        keys.add(fold_kana(word.surface))
    return keys


def decide(scored: Scored, thresholds: Thresholds, *, other_topic: bool = False) -> Match:
    """Pick the band from the best score and its margin over the runner-up.

    Never an answer when the question names a topic this FAQ does not cover (ボトックス,
    他院), or when only characters, no word, tie it to the entry: at most suggestions.
    An unknown product name (ミノキシジルの副作用は?) also stops an answer unless the
    question names this FAQ's treatment too.
    """
    candidates = scored.candidates
    if not candidates:
        return Match("fallback", ())
    best = candidates[0]
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    closest = tuple(c for c in candidates[: thresholds.suggestions] if c.score >= thresholds.suggest_score)
    if other_topic and not scored.anchored:
        return Match("fallback", closest)
    # One FAQ word that belongs to a thing the FAQ never names (肉じゃがの作り方, 日経平均は
    # いくら) is a question about something else that happens to share a word.
    # No FAQ word at all beside one the FAQ never uses (宝くじを当てる方法) is no FAQ question.
    lone_word = not scored.anchored and (
        scored.medicine_effects
        or (scored.owned > 0 and scored.concepts <= 1)
        or (scored.unknown_nouns > 0 and scored.concepts == 0)
    )
    may_answer = (
        scored.word_backed
        and not other_topic
        and not scored.unknown_targets
        and not lone_word
        and (scored.anchored or not scored.unknown_names)
        # ミノキシジルと上清液、どっちが効く? compares this treatment with another product.
        and not (scored.unknown_names and scored.compares)
    )
    if may_answer and thresholds.answers(best.score, best.score - runner_up):
        return Match("answer", (best, *candidates[1 : thresholds.suggestions]))
    if may_answer and scored.decided_by_words and best.score - runner_up < thresholds.answer_margin:
        # A close call that only one entry's own words settle (ニキビできやすい肌質。エクソソーム
        # ってどうなん? — ニキビ): that entry, when it scores as an answer would.
        chosen = best if scored.decided_by_words == 1 else candidates[1]
        if chosen.score >= thresholds.answer_score:
            rest = tuple(c for c in candidates[: thresholds.suggestions] if c is not chosen)
            return Match("answer", (chosen, *rest))
    if may_answer and scored.two_topics and runner_up >= thresholds.two_topic_score:
        # Not a close call between two readings: two questions in one (シミとくすみ両方).
        return Match("answer", (best, *candidates[1 : thresholds.suggestions]), both=True)
    if best.score >= thresholds.suggest_score:
        return Match("suggest", closest)
    return Match("fallback", closest)
