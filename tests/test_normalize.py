import time

import pytest

from bot.normalize import SynonymTable, clean, fold_kana


def test_fold_kana_keeps_length_and_maps_katakana_to_hiragana() -> None:
    assert fold_kana("シミとニキビ") == "しみとにきび"
    assert len(fold_kana("エクソソーム")) == len("エクソソーム")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ｴｸｿｿｰﾑ", "エクソソーム"),  # half-width katakana
        ("ＥＸＯＳＯＭＥ", "exosome"),  # full-width Latin
        ("副作用は？？🙏✨", "副作用は"),  # punctuation and emoji
        ("ニキビですかーーー", "ニキビですかー"),  # squeezed long vowels (trailing one dropped later)
        ("料金www", "料金"),  # laughter
        ("  エクソソーム\n\tとは  ", "エクソソーム とは"),
        ("頬の茶色い点々、「〇〇クリニック」", "頬の茶色い点々 〇〇クリニック"),  # 々 and 〇 belong to words
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw).rstrip("ー") == expected.rstrip("ー")


def test_synonyms_replace_longest_variant_first() -> None:
    table = SynonymTable([["上清液", "上清", "培養上清"], ["幹細胞培養上清液", "幹細胞培養上清"]])
    assert table.canonicalise("幹細胞培養上清の効果") == "幹細胞培養上清液の効果"
    assert table.canonicalise("培養上清の効果") == "上清液の効果"


def test_synonyms_match_across_scripts() -> None:
    table = SynonymTable([["ニキビ", "吹き出物"]])
    assert table.canonicalise("ふきでもの") == "ふきでもの"  # not listed: left alone
    assert table.canonicalise("にきび") == "ニキビ"  # hiragana meets the katakana word


def test_global_longest_match_beats_leftmost() -> None:
    table = SynonymTable([["とは", "って何"], ["由来", "何から作"]])
    assert table.canonicalise("エクソソームって何から作るの") == "エクソソームって由来るの"


def test_other_topics_use_word_boundaries_for_latin() -> None:
    table = SynonymTable([], other_topics=["ED", "ボトックス"])
    assert table.other_topics_in(clean("ボトックスの料金")) == ("ボトックス",)
    assert table.other_topics_in(clean("I need help")) == ()
    assert table.other_topics_in(clean("ED治療")) == ("ED",)


def test_normaliser_spellings_meet(answerer) -> None:
    n = answerer.normaliser
    assert n.normalise("ｴｸｿｿｰﾑ").surface == n.normalise("エクソソーム").surface
    assert n.normalise("えくそそーむ").surface == n.normalise("エキソソーム").surface
    assert n.normalise("シワ").surface == n.normalise("皺").surface == n.normalise("しわ").surface
    assert n.normalise("シミ").surface == n.normalise("染み").surface


def test_katakana_typos_are_corrected_towards_known_words(answerer) -> None:
    assert answerer.normaliser.normalise("エクソーソムの副作用").surface == answerer.normaliser.normalise("エクソソームの副作用").surface


def test_polite_endings_and_filler_are_dropped(answerer) -> None:
    n = answerer.normaliser
    assert n.normalise("副作用を教えてください").surface == n.normalise("副作用").surface
    assert n.normalise("すみません、料金ですか？").surface == n.normalise("料金").surface


def test_definition_questions_share_one_intent_word(answerer) -> None:
    n = answerer.normaliser
    forms = {n.normalise(q).surface for q in ("エクソソームってなに", "エクソソームとは何ですか", "エクソソームについて教えて")}
    assert len(forms) == 1


def test_content_words_and_unknown_names(answerer) -> None:
    words = answerer.normaliser.normalise("ボトックスの料金").words
    assert [w.base for w in words if w.concept] == ["料金"]
    assert any(w.surface == "ボトックス" and w.foreign_script for w in words)


def test_reloads_share_one_sudachi_dictionary(answerer, faq_copy) -> None:
    from bot.answering import Answerer

    again = Answerer.from_directory(faq_copy)
    assert again.normaliser._dictionary is answerer.normaliser._dictionary


def test_lone_surrogates_are_separators_not_a_crash(answerer) -> None:
    """JSON can carry "\\ud800"; SudachiPy raised UnicodeEncodeError on it (found by test_properties)."""
    n = answerer.normaliser
    assert clean("副作用\ud800は\udfff") == "副作用 は"
    assert n.normalise("副作用\ud800はありますか").surface == n.normalise("副作用 はありますか").surface
    assert answerer.answer("\ud800副作用はありますか").kind == answerer.answer("副作用はありますか").kind


def test_a_text_longer_than_the_tokenizer_reads_is_normalised_up_to_max_chars(answerer) -> None:
    """SudachiPy refuses over 49,149 bytes at once (300 KB here raised SudachiError), and synonym
    matching over 100,000 characters took minutes; the normaliser reads MAX_CHARS of it."""
    from bot.normalize import MAX_CHARS

    started = time.monotonic()
    assert answerer.normaliser.normalise("あ" * 100_000).surface
    assert len(answerer.normaliser.normalise("副作用" * 33_334).surface) <= MAX_CHARS
    assert time.monotonic() - started < 10
    assert MAX_CHARS >= 5000  # FAQ answers (at most 5,000 characters) are read whole


def test_invisible_characters_do_not_split_words(answerer) -> None:
    n = answerer.normaliser
    assert n.normalise("副\u200b作用\ufeffは?").surface == n.normalise("副作用は?").surface


def test_japanese_typed_in_katakana_is_read_as_japanese(answerer) -> None:
    # Half-width katakana for a whole message is a way of typing, not a foreign name.
    assert (answerer.answer("ﾖﾔｸｼﾀｲﾃﾞｽ").kind, answerer.answer("ﾖﾔｸｼﾀｲﾃﾞｽ").entry_id) == ("answer", "booking")
    assert answerer.answer("ﾌｸｻﾖｳ ｼﾝﾊﾟｲ").entry_id == "side-effects"
    # Loanwords stay names the FAQ does not know (and keep a question about them unanswered).
    words = answerer.normaliser.normalise("ロキソニンとカロナールを一緒に飲んでも大丈夫ですか").words
    assert "カロナール" in [w.surface for w in words]
    assert answerer.answer("美容院のヘッドスパで薄毛は改善しますか").kind != "answer"


def test_a_katakana_word_of_the_dictionary_is_no_typo(answerer) -> None:
    # ニュース is one edit from メニュー, but a word of its own.
    assert "メニュー" not in [w.surface for w in answerer.normaliser.normalise("今日のニュースで何かあった？").words]
    assert answerer.answer("今日のニュースで何か大きいことあった？").kind != "answer"


def test_two_word_romaji_terms_stay_whole(answerer) -> None:
    assert answerer.answer("stem cell tte nan desu ka").entry_id == "stem-cell-what"


def test_koto_wa_is_no_request_for_a_definition(answerer) -> None:
    def concepts(text: str) -> list[str]:
        return [w.base for w in answerer.normaliser.normalise(text).words if w.concept]

    # 受けることは / あとは end a word in と; only エクソソームとは asks what it is.
    assert "とは" not in concepts("エクソソーム治療を受けることは可能でしょうか")
    assert "とは" not in concepts("あとは大丈夫ですか")
    assert "とは" in concepts("えくそそーむとは")


def test_a_name_left_out_with_circles_is_kept(answerer) -> None:
    # ○○ and 〇〇 both stand for an unnamed clinic; neither is punctuation.
    assert clean("○○クリニック") == clean("〇〇クリニック") == "〇〇クリニック"


def test_other_topics_are_found_by_reading_only_where_typed_in_kana(answerer) -> None:
    # いりょうだつもう is 医療脱毛 typed in kana; 再生系 (さいせいけい) holds no 整形 (せいけい).
    assert "医療脱毛" in answerer.normaliser.normalise("いりょうだつもうってやってる？").other_topics
    assert "整形" in answerer.normaliser.normalise("せいけいもやってますか").other_topics
    assert answerer.normaliser.normalise("再生系の施術の中身が知りたい").other_topics == ()


def test_a_listed_stem_read_by_another_sound_takes_no_whole_word(answerer) -> None:
    # に効 (listed, cut before its okurigana) is read にかい, the sound of に書い(て).
    words = {w.base for w in answerer.normaliser.normalise("広告に書いてあった").words}
    assert "効果" not in words
    assert "効果" in {w.base for w in answerer.normaliser.normalise("シミに効く？").words}
    assert "副作用" in {w.base for w in answerer.normaliser.normalise("副作洋はありますか").words}  # a wrong kanji still reads


def test_a_katakana_compound_is_no_typo_of_the_term_inside_it(answerer) -> None:
    assert "エクソソームサプリ" in answerer.normaliser.normalise("エクソソームサプリって効果ある？").other_topics
    assert "えくそそーむ" in {w.base for w in answerer.normaliser.normalise("エクソーソムって何").words}  # a typo still is


def test_listed_words_typed_in_hiragana_inside_a_long_run_are_found(answerer) -> None:
    def concepts(text: str) -> set[str]:
        return {w.base for w in answerer.normaliser.normalise(text).words if w.concept}

    assert "弾力" in concepts("えくそそーむではだにだんりょくがもどりますか")
    assert {"美肌", "効果"} <= concepts("えくそそーむのびはだこうかってどんなかんじ")  # two words side by side
    # A reading that runs across two words is no word: ききたい・しつもん holds たいしつ (体質).
    assert "あれるぎー" not in concepts("ちょっとききたいしつもんがあるんですが")
    assert "効果" not in concepts("けっこうかかりますか")  # けっこう・かかる holds こうか


def test_another_topic_typed_in_hiragana_is_no_letters_inside_other_words(answerer) -> None:
    other = answerer.normaliser.normalise
    assert other("つわりが落ち着いたところなんですが、施術はできますか").other_topics == ()  # ところ・なんです, no コロナ
    assert "ボトックス" in other("ぼとっくすうちたい").other_topics
    assert "ハイフ" in other("はいふってたるみにこうかありますか").other_topics


def test_another_topic_typed_in_kana_is_found_even_where_listed_words_are_spelled_in_kanji(answerer) -> None:
    # しんかんせん holds かんせん (感染), which is spelled 感染 for matching; the reading of the
    # message as typed still finds 新幹線.
    assert "新幹線" in answerer.normaliser.normalise("しんかんせんのよやくってどうやるの?").other_topics
    assert answerer.answer("しんかんせんのよやくってどうやるの?").kind != "answer"


def test_the_top_of_a_medium_is_the_supernatant_not_the_medium(answerer) -> None:
    concepts = [w.base for w in answerer.normaliser.normalise("培地の上澄みって何").words if w.concept]
    assert "上清液" in concepts and "培養液" not in concepts


def test_the_same_thing_happening_again_compares_nothing(answerer) -> None:
    concepts = [w.base for w in answerer.normaliser.normalise("エクソソームでも同じようなことが起こる可能性はありますか").words if w.concept]
    assert "違い" not in concepts and "りすく" in concepts
