import json

import pytest

from bot.answering import Answerer
from bot.matcher import Candidate, Match, Scored, decide
from bot.settings import Thresholds


def all_text(messages: list[dict]) -> str:
    """Every string inside the message objects, for 'does the reply say X' checks."""
    return json.dumps(messages, ensure_ascii=False)


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("エクソソームってなに", "exosome-what"),
        ("ｴｸｿｿｰﾑの副作用は？", "side-effects"),
        ("にきびにききますか", "acne"),
        ("授乳中だけど受けられる？", "pregnancy"),
        ("30代です。最近ほうれい線が気になってきました。エクソソームで良くなりますか？", "spots-wrinkles"),
        ("料金を教えてください", "treatment-menu"),
    ],
)
def test_answer_band(answerer: Answerer, question: str, entry_id: str) -> None:
    result = answerer.answer(question)
    assert (result.kind, result.entry_id) == ("answer", entry_id)
    assert result.candidates[0].id == entry_id


def test_answer_carries_disclaimer_booking_and_related(answerer: Answerer) -> None:
    result = answerer.answer("エクソソームとは何ですか")
    settings = answerer.settings
    text = all_text(result.messages)
    assert "自由診療" in text and "未承認医薬品等" in text and "効果には個人差があります" in text
    bubble = result.messages[0]
    assert bubble["type"] == "flex"
    buttons = [c for c in bubble["contents"]["footer"]["contents"] if c["type"] == "button"]
    assert buttons[0]["action"] == {"type": "uri", "label": "予約・カウンセリング", "uri": settings.booking_url}
    chips = [i["action"] for i in bubble["quickReply"]["items"]]
    assert {"type": "postback", "data": "faq:exosome-function"}.items() <= chips[0].items()


def test_suggest_band_offers_close_entries_and_booking(answerer: Answerer) -> None:
    result = answerer.answer("効果")
    assert result.kind == "suggest"
    assert 2 <= len(result.candidates) <= 3
    chips = result.messages[-1]["quickReply"]["items"]
    assert [c["action"]["data"] for c in chips if c["action"]["type"] == "postback"] == [
        f"faq:{c.id}" for c in result.candidates
    ]
    assert answerer.settings.booking_url in all_text(result.messages)


@pytest.mark.parametrize("question", ["今日の天気は？", "駐車場はありますか", "ボトックスの料金はいくらですか", "🍣🍣🍣", "あ"])
def test_fallback_band_offers_contact_and_booking(answerer: Answerer, question: str) -> None:
    result = answerer.answer(question)
    assert result.kind == "fallback"
    assert result.entry_id is None
    text = all_text(result.messages)
    assert "お答えできません" in text
    assert answerer.settings.booking_url in text and answerer.settings.phone in text


def test_urgent_reply_is_plain_with_phone_and_no_booking(answerer: Answerer) -> None:
    result = answerer.answer("注射してから呼吸が苦しい")
    assert result.kind == "urgent" and result.entry_id is None
    text = all_text(result.messages)
    assert "119" in text and "#7119" in text and answerer.settings.phone in text
    assert answerer.settings.booking_url not in text
    assert all(m["type"] != "flex" for m in result.messages)
    uris = [a["uri"] for m in result.messages if m["type"] == "template" for a in m["template"]["actions"]]
    assert answerer.settings.phone_uri in uris and "tel:119" in uris


def test_urgent_guard_runs_before_matching(answerer: Answerer) -> None:
    # Mentions an FAQ topic (アレルギー) but reports a reaction happening now.
    assert answerer.answer("アレルギーかも。施術後から唇が腫れてきました").kind == "urgent"


@pytest.mark.parametrize(
    ("message", "kind"),
    [("こんにちは", "smalltalk"), ("ありがとうございました！", "smalltalk"), ("使い方を教えて", "smalltalk"), ("お疲れさまです", "smalltalk")],
)
def test_smalltalk(answerer: Answerer, message: str, kind: str) -> None:
    result = answerer.answer(message)
    assert result.kind == kind
    assert "エクソソーム" in all_text(result.messages) or "どういたしまして" in all_text(result.messages)


def test_greeting_before_a_question_is_ignored(answerer: Answerer) -> None:
    assert answerer.answer("こんにちは！副作用はありますか").entry_id == "side-effects"


def test_answer_entry_for_postbacks(answerer: Answerer) -> None:
    result = answerer.answer_entry("booking")
    assert result is not None and result.kind == "answer" and result.entry_id == "booking"
    assert answerer.answer_entry("no-such-entry") is None


def test_answers_fill_placeholders_from_settings(answerer: Answerer) -> None:
    text = all_text(answerer.answer_entry("treatment-menu").messages)
    assert answerer.settings.menu_url in text and "{menu_url}" not in text


def test_json_contract(answerer: Answerer) -> None:
    data = answerer.answer("シミに効きますか").to_json()
    assert list(data) == ["question", "kind", "id", "score", "candidates", "messages"]
    assert data["kind"] == "answer" and data["id"] == "spots-wrinkles"
    assert all(set(c) == {"id", "score"} for c in data["candidates"])
    json.dumps(data)


THRESHOLDS = Thresholds(answer_score=50, answer_margin=6, clear_score=35, clear_margin=30, suggest_score=30, suggestions=3)


def scored(*scores: float, backed: bool = True, anchored: bool = False, unknown: tuple[str, ...] = ()) -> Scored:
    return Scored([Candidate(f"e{i}", s) for i, s in enumerate(scores)], backed, anchored, unknown)


@pytest.mark.parametrize(
    ("scores", "band"),
    [
        ((80, 60), "answer"),  # high and clear
        ((80, 77), "suggest"),  # high but the runner-up is close
        ((40, 5), "answer"),  # lower, but far ahead of everything else
        ((40, 20), "suggest"),
        ((20, 10), "fallback"),
        ((), "fallback"),
    ],
)
def test_decide_bands(scores: tuple[float, ...], band: str) -> None:
    assert decide(scored(*scores), THRESHOLDS).band == band


def test_decide_never_answers_other_topics_or_character_only_matches() -> None:
    assert decide(scored(90, 10), THRESHOLDS, other_topic=True).band == "fallback"
    assert decide(scored(90, 10, anchored=True), THRESHOLDS, other_topic=True).band == "suggest"
    assert decide(scored(90, 10, backed=False), THRESHOLDS).band == "suggest"
    assert decide(scored(90, 10, unknown=("ミノキシジル",)), THRESHOLDS).band == "suggest"
    assert decide(scored(90, 10, anchored=True, unknown=("インスタ",)), THRESHOLDS).band == "answer"


def test_suggestions_are_limited() -> None:
    match = decide(scored(45, 44, 43, 42), THRESHOLDS)
    assert match == Match("suggest", tuple(Candidate(f"e{i}", s) for i, s in enumerate((45, 44, 43))))


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("nikibi ni kikimasu ka", "acne"),  # romaji
        ("exosome tte nani?", "exosome-what"),
        ("上清液の成文はなんですか", "supernatant-ingredients"),  # wrong kanji conversion of 成分
        ("感細胞って何ですか", "stem-cell-what"),  # 幹細胞 mistyped, read the same
        ("じょうせいえきのこうかは？", "supernatant-effects"),  # all kana
        ("エクソソーム？🤔", "exosome-what"),  # a bare name asks what it is
        ("こんにちは。50代です。最近シミが増えてきて、友達に聞いてエクソソームに興味を持ちました。シミにも効くんでしょうか？", "spots-wrinkles"),
    ],
)
def test_the_way_people_type(answerer: Answerer, question: str, entry_id: str) -> None:
    result = answerer.answer(question)
    assert (result.kind, result.entry_id) == ("answer", entry_id)


@pytest.mark.parametrize(
    "question",
    [
        "ミノキシジルの副作用は？",  # unknown product name
        "美白注射の副作用は？",  # unknown treatment
        "花粉症の注射ってやってますか",  # another service
        "別のクリニックのエクソソームの方が安いって聞いた",  # comparison with another clinic
        "ヒアルロン酸注射の料金は",
        "エクソソームはがんに効きますか",  # a disease the FAQ says nothing about
        "エクソソームは犬や猫にも使えますか",
        "エクソソームで花粉症は治りますか",  # treating an allergy, not reacting to the treatment
        "エクソソームでうつ病は良くなりますか",
        "幹細胞培養上清液で視力は回復しますか",
        "宝くじ当てる方法ある？笑",
        "新幹線の予約の仕方がわかりません",  # 予約 of something else
        "金の買取価格って今いくら？",
        "男性の更年期障害に上清液は効果がありますか",  # a condition, then the treatment, then the verb
        "妊娠線を消す治療はありますか",
        "上清液でワキガって改善しますか",
        "エクソソーム点滴で糖尿病がよくなりますか",  # the treatment as the means, then the condition
        "エクソソームで生理痛が軽くなりますか",
        "エクソソームを自宅で作る方法は？",
        "ピルの副作用で頭痛がすることはありますか",  # the medicine's side effects
        "授乳中に飲める頭痛薬は？",
        "副鼻腔炎にエクソソームは効果ある？",
        "近所の皮膚科でもエクソソームやってるけど、違いはありますか",  # compares clinics
        "エクソソームの効果ってふつう何ヶ月くらい続くものなの？",
        "犬のアトピーにエクソソーム治療ってある？",
        "上清液って何度で保存するんですか？家の冷蔵庫でいい？",
        "犬の散歩って一日何回がいいの",
        "ミノキシジルと上清液、薄毛にはどっちが効くの",  # compares with another product
        "幹細胞サプリって飲んでも意味ありますか",  # a product, not the treatment
        "エクソソームの効果はどのくらい持続しますか",  # a figure the article does not give
        "駅前の別の美容外科のエクソソームと比べてどっちがいい？",
        "肉じゃがの作り方を教えて",  # 作り方 is the origin question only for the treatment
        "日経平均は今いくら？",
        "週末どこか遊びに行きたいなー",
        "ビタミンC点滴ってシワに効くの？",
        "〇〇美容外科のほうがエクソソーム安いって聞いたんですけど本当？",
    ],
)
def test_questions_about_something_else_are_never_answered(answerer: Answerer, question: str) -> None:
    assert answerer.answer(question).kind in ("suggest", "fallback")


def test_a_long_message_is_not_answered_from_its_context_sentence(answerer: Answerer) -> None:
    # The question sentence alone would match the general beauty entry; the topic is in the context.
    result = answerer.answer("生理前になるとニキビが出ます。エクソソームで改善できますか？")
    assert result.entry_id in (None, "acne")


def test_a_definition_question_is_answered_whatever_its_context(answerer: Answerer) -> None:
    # The context praises the result; the question asks what the thing is.
    result = answerer.answer(
        "友達が最近エクソソームの施術を受けたらしくて、肌がすごくきれいになってました。そもそもエクソソームってどういうものなんでしょうか？"
    )
    assert (result.kind, result.entry_id) == ("answer", "exosome-what")
    # とは that compares (上清液とは別物) is no request for a definition.
    result = answerer.answer("他のサイトで「幹細胞培養液配合」と書いてありました。上清液とは別物ですか？")
    assert result.entry_id in (None, "medium-vs-supernatant")


def test_another_clinic_named_as_context_does_not_stop_the_answer(answerer: Answerer) -> None:
    result = answerer.answer("前に別のクリニックで受けたとき少し赤くなったんですが、今回も出る可能性ありますか")
    assert result.kind in ("answer", "suggest") and result.candidates[0].id == "allergy"
    assert answerer.answer("別のクリニックのほうが安いですか").kind in ("suggest", "fallback")


def test_a_product_the_patient_reacted_to_is_context_of_an_allergy_question(answerer: Answerer) -> None:
    result = answerer.answer("化粧品ですぐかぶれちゃう肌なんですが、それでも平気？")
    assert (result.kind, result.entry_id) == ("answer", "allergy")
    assert answerer.answer("化粧品のおすすめは？").kind == "fallback"  # asked about for itself


def test_a_definition_asked_at_the_end_of_a_long_message(answerer: Answerer) -> None:
    result = answerer.answer(
        "はじめまして。50代の主婦です。最近テレビや雑誌でエクソソームという言葉をよく見かけるのですが、正直なところ何なのかさっぱり分かりません。"
        "化粧品の成分なのか、お薬なのか…。初歩的な質問で申し訳ないのですが、エクソソームとはそもそも何なのか教えていただけますでしょうか。"
    )
    assert (result.kind, result.entry_id) == ("answer", "exosome-what")


def test_the_treatment_named_decides_between_its_entries_and_the_other_ones(answerer: Answerer) -> None:
    # 若々しく is listed under the 上清液 effects; asked about エクソソーム it is the exosome entry.
    assert answerer.answer("40代後半です。エクソソームで肌が若々しくなる効果は期待できますか").entry_id == "exosome-beauty"
    assert answerer.answer("エクソソームがシグナル伝達に関わるってほんと?").entry_id == "exosome-function"


def test_ok_inside_a_question_is_part_of_it(answerer: Answerer) -> None:
    # OK here asks whether the drip is allowed; it is not a thank-you to strip.
    assert answerer.answer("妊婦ですがエクソソーム点滴OKですか？").entry_id == "pregnancy"
    assert (answerer.answer("初診の予約はどうすればいいですか").kind, answerer.answer("初診の予約はどうすればいいですか").entry_id) == ("answer", "booking")


def test_everyday_katakana_and_medicine_kinds_are_not_other_products(answerer: Answerer) -> None:
    # マスク and タイプ are everyday words; 高血圧の薬 is the medicine the FAQ's entry is about.
    assert answerer.answer("マスクの下がポツポツだらけで、治ってはまたできての繰り返し。おさまる？").entry_id == "acne"
    assert answerer.answer("毎朝、高血圧の錠剤と睡眠導入剤をのんでます。一緒に受けて問題ない？").entry_id == "drug-interaction"
    assert answerer.answer("肝斑の薬の副作用は？").kind != "answer"  # another product's side effects


def test_two_questions_in_one_get_both_answers(answerer: Answerer) -> None:
    result = answerer.answer("妊娠中で、病院から出てる薬も飲んでます。受けても大丈夫でしょうか")
    assert result.kind == "answer" and {result.candidates[0].id, result.candidates[1].id} == {"pregnancy", "drug-interaction"}
    alt_texts = [m["altText"] for m in result.messages]
    assert len(result.messages) == 2 and any("妊娠" in t for t in alt_texts) and any("服用" in t for t in alt_texts)
    both = answerer.answer("シワとくすみ両方に効く？")  # 両方 is the two complaints, not a third thing
    assert both.kind == "answer" and {both.candidates[0].id, both.candidates[1].id} == {"spots-wrinkles", "dullness-texture"}
    # A close call between two readings of one question stays a もしかして choice.
    assert answerer.answer("上清液にもエクソソームってあるの？").kind == "suggest"


def test_the_clinics_own_course_is_not_another_service(answerer: Answerer) -> None:
    # "Do you offer X?" without this treatment's name is another service; the clinic's own course is not.
    assert answerer.answer("そっちでやってるコースの中身、ざっくり教えて").entry_id == "treatment-menu"
    assert answerer.answer("ハイフやってますか").kind == "fallback"


def test_where_a_complaint_shows_is_context_not_another_topic(answerer: Answerer) -> None:
    # 口まわり, マスク, 顎 say where and why; the complaint decides the entry.
    for question in ("マスクのせいで口まわりがボロボロに荒れてて…", "顎のブツブツがずっと治らないんです。赤いのが何個もあって"):
        result = answerer.answer(question)
        assert (result.kind, result.entry_id) == ("answer", "acne"), question
    assert answerer.answer("マスクのせいで耳が痛い").kind != "answer"


@pytest.mark.parametrize(
    "question",
    [
        "○○美容外科のエクソソームと比べてこちらのほうが効果高いですか",  # a clinic left unnamed, compared
        "焼肉屋の予約したいんだけど4人で",  # the shop's booking
        "ｴｸｿｿｰﾑ点鼻で認知症が治るって本当？",  # a disease the FAQ never names
        "近くの薬局は何時まで開いてる？",
        "幹細胞の培養には何日かかるんですか",  # a figure the article does not give
        "肝斑は何回の施術で治りますか",  # sessions until a result: a question for the counselling
        "シミを完全に消すには何回通えば良いですか",
        "絶対にシワが消えるって保証してもらえますか",  # no guarantee of effects
        "自分の脂肪から幹細胞を取って培養する治療はやってますか",  # another treatment
        "10歳の子どものアトピーにも使えますか",  # an age the article says nothing about
        "医師の経歴や資格を教えてください",
        "ドクターは独身ですか",  # the doctor's private life
        "生命保険の相談をしたいです",  # private insurance, not this FAQ's booking
        "上清液のサイトカインは具体的に何種類ありますか",  # a figure the article does not give
        "エクソソームの濃度はどれくらい？",
        "Tシャツのシミの落とし方を教えて",  # the shirt's stain, not the skin's
        "ヨーグルトの上澄みって栄養ある？",  # food, not the treatment
        "赤ちゃんの授乳間隔が短くて寝られない",  # caring for a baby
        "上清液の効果は何ヶ月くらい持つ？",  # how long it lasts: not in the article
        "何倍に希釈した上清液を使ってますか",
        "投資で儲かる方法を教えて",  # 方法 is no booking
        "新幹線で東京から何時間？",  # 何時間 is no treatment time
        "明日は晴れるかな",  # 晴れる reads はれる, as swelling does
        "転職の相談がしたいです",  # 相談 is no counselling here
        "高血圧の改善に上清液は効果ありますか",  # a disease the FAQ never names
        "モニター価格はありますか",
        "ダウンタイムってどれくらい？",  # a duration the article does not give
        "女医さんはいますか",
        "前に他院で受けたけど効かなかったのはなんで？",
        "シャツのシミの落とし方",
        "床のざらつきを直したい",  # the floor's, not the skin's
    ],
)
def test_questions_beside_the_faq_are_not_answered(answerer: Answerer, question: str) -> None:
    assert answerer.answer(question).kind != "answer"


def test_the_clause_that_asks_what_it_is_decides_a_long_message(answerer: Answerer) -> None:
    asked = "友達がエクソソームやってて肌きれいになったって言ってました。私は美容にあまり詳しくないのですが、そもそもエクソソームって何ですか？"
    assert answerer.answer(asked).entry_id == "exosome-what"
    # "具体的には" after context asks about that context (how it carries information).
    context = "大学で生物を少し勉強していました。エクソソームが細胞から細胞へ情報を運ぶという話を読んだのですが、具体的にはどんなメカニズムなのでしょうか？"
    assert answerer.answer(context).entry_id == "exosome-function"


def test_the_day_after_with_a_reaction_is_about_the_reaction(answerer: Answerer) -> None:
    assert answerer.answer("施術の翌日は腫れますか").entry_id in ("allergy", "side-effects")
    assert answerer.answer("次の日に仕事に行けますか").entry_id == "treatment-menu"


def test_back_to_basics_asks_what_the_message_named(answerer: Answerer) -> None:
    question = "美容液のCMで上清液って名前をよく聞きます。お値段が高いものに入っていることが多いみたいですが、そもそも何なんですか？"
    assert answerer.answer(question).entry_id == "supernatant-what"
    # そもそも after the name in the same clause is the plain definition question.
    assert answerer.answer("エクソソームって最近よく聞くけど、そもそも何なんでしょう").entry_id == "exosome-what"


def test_a_concern_and_its_question_in_different_sentences(answerer: Answerer, monkeypatch: pytest.MonkeyPatch) -> None:
    question = "つむじのあたりが最近スカスカしてきた。細胞を増やした液でどうにかなる？"
    assert answerer.answer(question).entry_id == "supernatant-effects"
    # It is the message's FAQ words, read without the context, that settle it.
    monkeypatch.setattr(Answerer, "_gist", lambda self, text, whole: None)
    assert answerer.answer(question).kind == "suggest"


def test_a_pointer_back_at_the_name_asks_what_it_is(answerer: Answerer) -> None:
    # The name (described, not spelt) comes first, then あれは何のこと? asks what it is.
    question = "油の膜に包まれたナノサイズのカプセルが肌にいいって話、あれは何のこと？"
    assert answerer.answer(question).entry_id == "exosome-what"
    assert answerer.answer("エクソソームが肌にいいって聞いたけど、それってシミにも効く？").entry_id != "exosome-what"


@pytest.mark.parametrize(
    ("question", "entry_id"),
    [
        ("子どもがまだ母乳を飲んでる時期なんですけど、問題ないですか", "pregnancy"),  # the baby drinks, no medicine
        ("二キビに効果ある？", "acne"),  # 二 (two) typed for ニ
        ("エクソソームが他の細胞にRNAとかタンパク質を渡すとどうなるの？✨", "exosome-function"),
        ("心臓の病院で血をサラサラにするのをもらってる", "drug-interaction"),
        ("ｴｸｿｿｰﾑ打ったら顔パンパンになったりする？", "allergy"),  # swelling, asked in general
        ("日焼けしたあとにできた色ムラ、なんとかならない？", "spots-wrinkles"),
        ("粒子のほうと上澄みのほう、何が違ってくるんでしょう", "exosome-vs-supernatant"),
        ("エクソソームって何するもの？", "exosome-function"),  # what it does, not what it is
        ("エクソソームって薬ですか？", "exosome-what"),  # what it is, not a medicine being taken
        ("ネットの記事でエクソソームって見たけど、あれ何？", "exosome-what"),
        ("ステムセルって一言でいうと何", "stem-cell-what"),
        ("えくそそーむのもとってなに", "exosome-origin"),
        ("おでこの横じわって薄くなる？", "spots-wrinkles"),
        ("エクソソームができるまでの流れは？", "exosome-origin"),  # how it comes to be, not the treatment's steps
        ("ロキソニンと一緒だと問題ある？", "drug-interaction"),
        ("ニキヒに効く？", "acne"),  # ビ typed without its dakuten
        ("せじゅつのないようしりたい", "treatment-menu"),
        ("上清液って何の液体？", "supernatant-what"),
        ("exosome skinにいいの？", "exosome-beauty"),
        ("化粧品に「幹細胞培養液」って書いてあるのと、クリニックの上清液って何が違うの", "medium-vs-supernatant"),
        ("えくそそーむって　なにに　きくの", "exosome-beauty"),  # kana typed with spaces between words
        ("kansaibouってどういうもの？", "stem-cell-what"),  # a romaji word inside Japanese
        ("顔がくすんどるんやけど効く？", "dullness-texture"),  # Hakata and Kansai endings
        ("jouseieki no naka, nani ga aru?", "supernatant-ingredients"),
        ("エクソソーム vs 上清液", "exosome-vs-supernatant"),
        ("幹細胞培養上清液の定義を教えてください", "supernatant-what"),
        ("ナノサイズの粒って何物？", "exosome-what"),  # described, not named
        ("頬のシミが濃くなってきて、ファンデでも隠しきれません。エクソソームで薄くなりますか？", "spots-wrinkles"),
        ("まず先生と面談したいです", "booking"),
        ("エクソソームの施術詳細ってどこで見れますか", "treatment-menu"),
        ("注射？点滴？どうやって入れるの", "treatment-menu"),
        ("エクソソームの効果ってどんな感じ？", "exosome-beauty"),  # どんな感じ of the effect, not of the treatment
        # 何かしてやりたい does not ask; エクソソームについて調べています is context.
        ("娘のニキビがひどくて、親として何かしてやりたいと思いエクソソームについて調べています。ニキビにはどんな効果が期待できますか。", "acne"),
        ("エクソソームは弾力アップに効果ありますか", "exosome-beauty"),  # アップ is more of it, no product
        ("上清液とエクソソームってどないちゃうん？", "exosome-vs-supernatant"),  # Kansai どない違うん
        ("注射でしこりが残ったりする？", "side-effects"),
        ("こちらの再生系の施術、具体的な中身とコストを知りたい", "treatment-menu"),  # さいせいけい holds no 整形
        ("幹細胞上清って美容成分の名前ですか", "supernatant-what"),  # a name asked about: what it is
        ("エクソソームと上清液ってなにがちがうん？", "exosome-vs-supernatant"),
        ("ｼﾞｮｳｾｲｴｷで若返る？", "supernatant-effects"),
        ("エクソソームの予約ってどこからできる？", "booking"),  # where to book, not where it comes from
        ("実際の治療ってどんな手順で何をするの？", "treatment-menu"),
        ("来院日を押さえたいです", "booking"),
        ("エクソソームではだにだんりょくがもどりますか", "exosome-beauty"),  # hiragana only
        ("えくそそーむのびはだこうかってどんなかんじ?", "exosome-beauty"),
        ("えくそそーむってなにからとれるの", "exosome-origin"),  # なにから, not ってなに
        ("じょうせいえきってなにがいいの？", "supernatant-effects"),
        ("育成液そのままを顔に使うのと、上澄みを使うのでは効き目が違う？", "medium-vs-supernatant"),
        ("この施術の怖いところ、正直に教えて", "side-effects"),
        ("来院する日を決めたいです", "booking"),
        ("頬がたれてきてフェイスラインがぼやけてきた。引き上げ効果ある？", "supernatant-effects"),
        ("つわりが落ち着いたところなんですが、この時期に肌の施術はできますか", "pregnancy"),
        ("赤ちゃんを授かりたいと思ってる時期でもやっていいの？", "pregnancy"),
        ("頬を触るとサンドペーパーみたい", "dullness-texture"),
        ("やってマイナスになることってある？", "side-effects"),
        ("母と二人で予約したいんですがどうすればいいですか", "booking"),  # not a table for two
        ("荒れ肌にエクソソームは効果ある？", "acne"),
        ("エクソソームとじょうせい液って一緒なん？", "exosome-vs-supernatant"),
        ("妊振中でも受けれますか", "pregnancy"),  # 娠 typed as 振
        ("細胞のたまごみたいな存在って何のこと？", "stem-cell-what"),
        ("あのナノサイズの粒はどんな工程でできあがるものですか", "exosome-origin"),
        ("エクソソーム治療ってなんぼ？", "treatment-menu"),  # なんぼ, not ってなん
        ("エクソソームってどうやってとるん？", "exosome-origin"),
        ("上清液って何が入っとると？", "supernatant-ingredients"),
        ("妊娠中はアカンの？", "pregnancy"),  # アカン is no product name
        ("貴院のエクソソーム治療についてもっと詳しく知りたいです", "treatment-menu"),
        ("復作用が心配です", "side-effects"),  # 副 typed as 復
        ("予定日まであと3か月。その間にやっても大丈夫？", "pregnancy"),
        ("常清液って何に効くんですか", "supernatant-effects"),  # 上 typed as 常
        ("抗生剤を飲み始めたばかりです。治療を受けても平気ですか", "drug-interaction"),
        ("こちらの院で実際にやってもらえる内容を一覧で見たい", "treatment-menu"),
        ("自分自身をコピーできる細胞があるって聞いたんですが何ですか", "stem-cell-what"),
        ("「幹細胞培養液」配合の美容液を使ってるんですが、上清液とはちがうものですか？", "medium-vs-supernatant"),
        ("エクソソーム＝？", "exosome-what"),  # = with nothing after it asks what it is
        ("えくそそーむはどこでつくられますか", "exosome-origin"),
        ("化膿することってあるんですか", "side-effects"),
        ("ドキドキしたり動悸がしたりすることはありますか", "side-effects"),
        ("予約の手続きはこちらのLINEからでも可能でしょうか。", "booking"),  # 可能 is no 化膿
        ("増やすための液とうわずみ、どっちが肌にいいの", "medium-vs-supernatant"),
        ("笑ったときに目の横にできる線がくっきり残るようになってきて…どうにかなる？", "spots-wrinkles"),
        ("細胞のメッセンジャーみたいなやつで、顔のピンとした感じは戻る？", "exosome-beauty"),  # a name, not its role
        ("細胞同士のメッセンジャー役って聞いたけどどういうこと？", "exosome-function"),  # its role
        ("エクソソームで何か悪い反応が出るってことはあり得る？", "side-effects"),
        ("肌荒れしやすい体質なんですが改善しますか", "acne"),  # a constitution prone to rough skin, not an allergy
        ("エクソソームって何なんかよう分からんのじゃけど教えてくれん？", "exosome-what"),  # なんか・よう is no 通う
        ("ニキビ肌にエクソソームは効く？", "acne"),
        ("エクソソームって薬の名前なんですか？それとも成分のこと？", "exosome-what"),
        ("エクソソーム受けたいんですがどうしたらいいですか", "booking"),
        ("おちちをあげてるさいちゅうなんですけどうけてもいいですか", "pregnancy"),
        ("点滴で気持ち悪くなったりすることはあるんですか", "side-effects"),
        ("エクソソームってどうやって出来てんの？", "exosome-origin"),
        ("ステムセルの培地から取った上澄みって、そもそも何なの", "supernatant-what"),  # the top of a medium
        ("来院の日時を決めたいのですが", "booking"),
        ("肌の新陳代謝がよくなって明るくなるって聞いたんですが本当?", "dullness-texture"),
        ("reserveしたいんですけどどうすればいい?", "booking"),
        ("脂の膜で包まれた極小のカプセルが美容にいいって聞いたけど、そもそもそれ何?", "exosome-what"),
        ("フェイスラインがもたついて老けて見える。上澄み液でシャキッとする？", "supernatant-effects"),  # シャキッと holds no キット
        ("昔、化粧品で顔が真っ赤になったことがあって……それでも受けられますか", "allergy"),  # a cosmetic reacted to before
        ("湿疹とかできたりしない？", "allergy"),
        ("髪の毛が細くなって分け目が目立ってきた…効く？", "supernatant-effects"),
        ("昔焼けたあとが茶色く残ってて、ファンデで隠しきれない", "spots-wrinkles"),
        ("上清液ってサプリみたいなもの？", "supernatant-what"),  # what it is, not a supplement taken beside it
        ("受けた後にぽりぽり掻きたくなったりしますか", "allergy"),
        ("注射のあとが膿んだりすることってあるんでしょうか", "side-effects"),
        ("病院で出されてるのを毎日服んでるけど関係ある？", "drug-interaction"),
        ("頭のてっぺんが透けてきたのが悩みです、幹細胞のエキスで変わりますか", "supernatant-effects"),
        ("最近すぐバテるんだけど、上澄み液って体の元気にも関係ある？", "supernatant-effects"),
        ("前にヒアルロン酸打って顔がぱんぱんになったことがあって、今回も体が拒否反応起こさないか不安", "allergy"),
        ("美容系YouTuberがみんな言ってる「エクソなんとか」って何なの", "exosome-what"),  # where it was heard, not its beauty effects
        ("点滴で倒れたりすることってあるの？", "side-effects"),
        ("一度先生に話を聞いてみたいです。どうしたらいい？", "booking"),
        ("そちらに伺う前に連絡いりますか？申し込みのやり方知りたい", "booking"),
        ("エクソソームの作り方ってどんな感じ？", "exosome-origin"),  # how it is made, not how the treatment feels
        ("医師と話す時間を確保したい。手続きは？", "booking"),
        ("いかほど用意していけばよいのか", "treatment-menu"),
        ("おでこにボツボツ出来まくってる、思春期かよ", "acne"),
        ("肌がゴワゴワでファンデのりが悪い", "dullness-texture"),  # how make-up sits, not a make-up product
        ("目じりのカラスの足跡が気になる", "spots-wrinkles"),
        ("体わるくなったりしない？", "side-effects"),
        ("肌にいいって噂の「エクソなんとか」って、結局どういう物質？", "exosome-what"),  # the rumour describes it; the question asks what it is
        ("肌にいいって言われてる例の微粒子は、そもそも何から採れるんですか", "exosome-origin"),
        ("エクソソームって肌にいいって言われてるけど本当？", "exosome-beauty"),
        ("花粉症持ちですが受けられますか", "allergy"),
        ("毎朝血圧のを一錠のんでます", "drug-interaction"),
        ("もしかしたら赤ちゃんできたかもしれん時期なんやけど", "pregnancy"),
        ("万が一、体に異変が起きたりすることってあるんでしょうか", "side-effects"),
        ("敏感肌で化粧品でもすぐ負けるんやけど", "allergy"),  # a cosmetic the skin reacted to
        ("ぶつぶつ出たらどうしよう、そういうことってあるの？", "allergy"),
        ("クリニックでは実際どういうことをしてくれるの？", "treatment-menu"),
        ("疲れて見える暗い顔がパッと明るくなったりする？", "dullness-texture"),
        ("エクソソームは薬なんですか？それとも何かの成分？", "exosome-what"),  # what it is, not medicine the patient takes
        ("えくそそーむってどこでできるの", "exosome-origin"),
        ("予薬したいです", "booking"),  # 約 typed as 薬
        ("What is exosome? 日本語でいいので簡単に教えてください", "exosome-what"),  # English mixed in
        ("where does exosome come from?", "exosome-origin"),
        ("spotsとwrinkles良くなる？", "spots-wrinkles"),
        ("medicine飲んでるけどOK?", "drug-interaction"),
        ("上清液ってどうやってできる液体なの？", "supernatant-what"),  # the supernatant, described by how it is made
        ("エキソソーム？エクソソーム？どっちか分からんけど、それってなんですか", "exosome-what"),  # unsure of the name, no comparison
        ("上清液って上澄み液みたいなものですか？", "supernatant-what"),
        ("最近顔色がくすんで見えるって言われてショックでした…エクソソームで変わりますか？", "dullness-texture"),  # upset, not anaphylactic shock
        ("妊身中ですが受けられますか", "pregnancy"),
        ("エクソソーム点滴とかもやってますか？", "treatment-menu"),
        ("払う額の目安だけでも知りたいです", "treatment-menu"),
        ("上清液は何かの薬ですか？", "supernatant-what"),
        ("肌が真っ赤に荒れることってあるん？", "allergy"),
        ("受けたあとふらっとしたりしないかな…", "side-effects"),
        ("ぶっちゃけ高い？学生でも手が届く？", "treatment-menu"),
        ("肝細胞培養上清液の「かんさいぼう」ってなに？", "supernatant-what"),  # 幹 typed as 肝
        ("ブツブツができたりしないか心配", "allergy"),
        ("エクソソームの施術は誰がしてくれるんですか？", "treatment-menu"),
        ("エクソソームはどうやってつくってるんですか", "exosome-origin"),
        ("失神する人っているんですか？", "side-effects"),
        ("先生に一回話だけ聞いてみたい", "booking"),
        ("やってからマズいことになった人っているの？", "side-effects"),
        ("夕方になると顔が灰色っぽく見えるのがイヤ", "dullness-texture"),
        ("顎のブツブツがずっと治らないんです。赤いのが何個もあって", "acne"),
        ("新しい化粧水を使うとすぐかぶれてしまうタイプなんですが、大丈夫でしょうか", "allergy"),
        ("細胞と細胞の間で情報をリレーしてる粒があるらしいけど、具体的に何をやってるの？", "exosome-function"),  # what it does, not "do you offer it"
    ],
)
def test_everyday_wording_and_typos(answerer: Answerer, question: str, entry_id: str) -> None:
    assert answerer.answer(question).entry_id == entry_id


@pytest.mark.parametrize(
    "question",
    [
        "携帯の料金プラン変えたいんだけど、どこが安い？",
        "おめでとうございます！あなたは10万円分のポイントに当選しました。下記URLから受け取り手続きをしてください",
        "使っているエクソソームは国産ですか",  # a fact the article does not give
        "エクソソームを飲むサプリは売っていますか",
        "北海道の旅行プラン考えて",  # a trip's plan, not the clinic's menu
        "医療痩身のメニューは？",
        "元カレから連絡きた🥺どうしよう",  # 連絡 between people, not between cells
        "先生のお名前を教えてください",
        "実際に受けた人の感想ある？",  # testimonials are not given (医療広告ガイドライン)
        "ニキビの保険診療ってしてもらえますか？保険証使える？",
        "エクソソームの効果を実感した人は何％ですか",  # a figure the article does not give
        "脳梗塞の後遺症に上清液は効きますか",  # an illness's aftermath, not the treatment's
        "円をドルに換算するといくら？",
        "しわくちゃの千円札って使える？",
        "週末の旅行のプランを一緒に考えて",  # 一緒に is no medicine taken together
        "今夜7時に4名で予約できますか？焼肉食べたいです",
        "牛の妊娠期間ってどれくらい？",  # a cow's pregnancy
        "美容内服薬の処方はしてますか",
        "肉じゃがの美味しい作り方教えて",  # the recipe's 作り方, past an adjective
        "牛乳を温めたときの上澄みの膜って何？",
        "上清液は国内で製造されたものですか？",  # a fact the article does not give
        "膜で包まれた極小の袋の中身ってRNAとか？それって何物？",  # それ points at nothing named
        "乾癬にも効果はありますか",  # かんせん, and no 感染
        "担当の先生は女性ですか",
        "エクソソーム治療は何年前からやってますか",
        "妻が妊娠したのでお祝いのメッセージを考えて",
        "ポイ活の効果的なやり方",
        "花粉症の薬って副作用で眠くなる？",  # the medicine's own side effects
        "日本酒の上澄みとにごりの違いって何？",
        "エクソソームって何日くらいで効果を実感できますか",  # a timing the article does not give
        "エクソソームの効果っていつから実感できますか",
        "この洗剤、混ぜたら危険な成分ってどれ？",
        "ヒト幹細胞培養液入りの化粧水、どのブランドがいい？",
        "妊娠中の友達に何を差し入れたらいい？",
        "ピルの処方ってしてもらえますか",  # a prescription, not medicine taken beside the treatment
        "車の保険を見直したいんだけど相談のれる？",
        "給料日前でお金ない",
        "エクソソームの効果は何ヶ月もちますか",  # a duration the article does not give
        "花粉症の薬って何がいい？",  # a medicine to recommend, not one taken beside the treatment
        "幹細胞の培養ってどこの会社がやってるの？",
        "美容院でエクソソームトリートメント勧められたんやけど、あれって髪にいいの？",  # a hair product
        "品川の美容外科の上清液点滴って評判どうですか",  # reviews are not given (医療広告ガイドライン)
        "他院で受けたエクソソーム点滴の効果が全然感じられないのですが、なぜでしょう",  # one person's result
        "エクソソームの動物実験での結果を具体的に知りたいです",
        "ルミキシルとハイドロキノン、シミにはどっちが効く?",  # two other products compared
        "韓国の美容クリニックでエクソソーム受けたほうが安いって本当?",
        "グロースファクター注射ってなんですか",
        "他のクリニックで上清液の点滴を受けてるんですが、そこの料金って適正ですか",
        "インスタでエクソソームを自分で打てるキットが売ってたけど安全?",
        "子どもが熱出したんですけど、おすすめの小児科ありますか",
        "施術当日ってメイクして帰れますか",  # aftercare the article does not cover
        "エクソソームの効果って何ヶ月くらいもちますか",
        "保険でニキビの飲み薬を出してもらうことはできますか",
        "花粉症の薬って眠くなる？",  # the medicine's own effects
        "エクソソームで効果が出る確率は何％ですか",
        "目薬もらいたいんですけど眼科ってどこがいい",
        "日経平均いまいくら",
        "頭痛薬ってロキソニンとイブどっちがいい",
        "つわりの時期に食べやすいものってある？",
        "送料無料になるのはいくらからですか？",
        "湘南美容のエクソソームっていくら？",  # another clinic, named
        "韓国でエクソソーム受けるとだいたいいくら？",
        "エクソソームの吸入ってあるの？",
        "前に別のクリニックでエクソソーム受けたとき全然効かなかったんだけど、あれなんでだろう",  # なんで asks why
        "飲むタイプのエクソソームサプリって効果ありますか",  # エクソソームサプリ is no typo of エクソソーム
        "幹細胞の保管サービス（細胞バンク）はやっていますか",
        "頭痛薬を飲みすぎるとどうなる？",
        "土日もあいてる？",
        "他のクリニックでエクソソーム打ったんですけど全然効果感じません。そこのやり方が悪かったんですかね",
        "花粉症の薬ってどこで買えますか",
        "子供のアトピーにエクソソームって使えるんですか",  # treating a skin disease
        "医療用かつらの相談はできるか",
        "脂肪吸引のリスクについて知りたいです",  # の・りすく holds no ノリ of make-up
        "エクソソームって何年に発見されたの？",
        "花粉症つらすぎる",  # a complaint, no question about the treatment
        "日曜日もあいてますか",  # opening days
        "一週間で3キロ痩せる方法ある？",
        "今日なんかめっちゃ疲れた〜",
        "植物幹細胞エキスとヒト幹細胞の違いは？",
        "幹細胞の寿命ってどのくらい？",
        "上清液って誰の幹細胞を使ってるの？ドナーってどんな人？",
        "エクソソームの効果が出る人って何％くらいですか",
        "1本にエクソソームの粒子って何個くらい入ってるんですか",
        "住宅ローンの相談したい",
        "おじいちゃんの介護で疲れた",
        "授乳中でも飲めるニキビの薬ってありますか",  # a prescription, not a medicine taken beside the treatment
        "マイクロニードルパッチのエクソソームって効く？",
        "ｴｸｿｿｰﾑ以外にｵｽｽﾒの美容点滴ある？",
        "ピル飲んでると血栓ができやすいって本当？",  # the pill's own risks
        "花粉症のステロイド注射って打ってもらえますか",
        "エクソソームって大きさ何ナノくらい？",  # 何ナノ, not なんなの
    ],
)
def test_other_things_sharing_a_faq_word_are_not_answered(answerer: Answerer, question: str) -> None:
    assert answerer.answer(question).kind not in ("answer", "urgent")


def test_a_close_call_settled_by_one_entrys_own_concern(answerer: Answerer) -> None:
    # The general effects entry and the specific one score close; only the specific one has
    # the concern the patient names, so it is answered instead of a もしかして choice.
    for question, entry_id in [
        ("乾燥で肌の表面がざらついてます。エクソソームは効果ありますか", "dullness-texture"),
        ("ニキビできやすい肌質なんやけど、エクソソームってどうなん？", "acne"),
    ]:
        result = answerer.answer(question)
        assert (result.kind, result.entry_id) == ("answer", entry_id), question
    # What is asked (違い) is no concern: a comparison with another clinic is not settled by it.
    assert answerer.answer("湘南美容クリニックのエクソソームと比べてどうですか").kind != "answer"


def test_a_name_met_as_a_word_then_what_is_it(answerer: Answerer) -> None:
    question = "カウンセリングで「培養上清」って言葉が出てきたんですけど、何のことかよくわからなくて…教えてください"
    assert answerer.answer(question).entry_id == "supernatant-what"
    assert answerer.answer("エクソソームって細胞なの？それとも薬みたいなもの？").entry_id == "exosome-what"


def test_a_plain_question_about_how_often_is_the_menus(answerer: Answerer) -> None:
    # Only a number of sessions tied to a result (何回で治る) goes to the counselling.
    for question in ("何回くらい通えばいいですか", "エクソソーム治療は何回くらい通えばいいですか"):
        assert answerer.answer(question).entry_id == "treatment-menu", question


def test_a_question_that_names_its_own_topic_is_not_answered_from_the_context(answerer: Answerer) -> None:
    # The concern told first is context; the question names what it asks about.
    assert answerer.answer("最近シミが気になっていて。ニキビにも効きますか？").entry_id == "acne"
    assert answerer.answer("最近シミが気になっていて。予約お願いします").entry_id == "booking"
    assert answerer.answer("最近シミが気になっていて。エクソーソムってなんのこと？").entry_id == "exosome-what"
    # A question that leaves its topic to the context is about the context.
    assert answerer.answer("最近シミが気になっていて。エクソソームで改善しますか？").entry_id == "spots-wrinkles"
    # 相談できますか asks of any concern: the allergy told first stays the topic.
    allergy = "アトピーで肌が敏感です。注射でアレルギーが出ないか心配しています。事前に先生に相談できますか。"
    assert answerer.answer(allergy).entry_id == "allergy"
    # A condition told first (pregnant) decides what is safe to say, whatever concern follows.
    pregnant = "今妊娠5ヶ月です。肌荒れがひどくてエクソソームが気になってるんですが、受けても大丈夫でしょうか"
    assert answerer.answer(pregnant).entry_id == "pregnancy"


def test_a_question_about_the_treatment_it_names_is_not_answered_from_the_context(answerer: Answerer) -> None:
    # What the named treatment is, holds or comes from is asked of it, not of the concern.
    assert answerer.answer("最近シミが気になっていて。予約したい").entry_id == "booking"
    assert answerer.answer("最近シミが気になっていて。上清液の成分と効果をまとめて教えて").entry_id == "supernatant-ingredients"
    wish = "来月友達の結婚式があります。ただ、式の直前に何かトラブルがあったら困ります。エクソソームの注意点や起こりうるリスクを事前に知っておきたいです。"
    assert answerer.answer(wish).entry_id == "side-effects"  # …知っておきたいです asks
    # エクソソームで良くなりますか? asks what it does for the concern told before.
    assert answerer.answer("大人ニキビに悩んでいます。エクソソームで良くなりますか？").entry_id == "acne"


def test_of_two_answers_the_patients_condition_comes_first(answerer: Answerer) -> None:
    result = answerer.answer("今妊娠5ヶ月です。産前に肌をきれいにしたくてエクソソームが気になっています。受けても大丈夫でしょうか？")
    assert result.kind == "answer" and result.entry_id == "pregnancy"
    assert len(result.messages) == 2  # the beauty answer follows
