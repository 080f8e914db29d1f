from pathlib import Path

import pytest

from bot.evaluation import read_cases
from bot.urgent import is_urgent

URGENT = [
    "施術のあと顔がパンパンに腫れて息苦しいです",
    # History first, then what is happening now.
    "以前アナフィラキシーになったことがあります。今、息が苦しいです",
    "昔じんましんが出たことがあるけど、今また全身に出てる",
    "エクソソーム点滴を受けたら全身にじんましんが出ました",
    "注射してから呼吸が苦しい",
    "施術後から意識がぼーっとして気持ち悪い",
    "昨日の施術部位が熱を持ってひどく痛む",
    "唇と喉が腫れてきた",
    # Put down to a cold by the patient, or someone else's after a treatment: still a reaction.
    "昨日施術を受けて、風邪っぽくて熱が38度あります",
    "息子がインフルで熱が39度。私も昨日施術を受けたんですが同じくらい熱があります",
    "施術のあと歯ぐきまで腫れて痛い",
    "風邪っぽくて熱が38度あります",  # the patient's own fever may be the reaction
    "歯がガタガタ震えるほど寒気がする",
    "顔が腫れてきて、息苦しくならないか心配",  # swelling now, and a worry on top
    "点滴の後から胸がドキドキして止まりません",
    "今クリニック出たとこですが立ちくらみがひどくてしゃがみこんでます",
    "首のあたりがぎゅーっと締め付けられるみたいで苦しい、施術から30分くらい",
    "体中かいーし、顔もぼこぼこなってきよる。さっき点滴してもろたばっかりやけん",  # かいー: itchy, in dialect
    "施術のあと喉がイガイガする",
    "施術直後から咽頭の違和感と嗄声が出てきました",  # in a nurse's words
    "点滴後、全身に膨疹が広がってきています",
    "娘の顔が施術のあと腫れてきた",  # someone else's reaction to the treatment
    "夫に「唇たらこみたいになってるよ」って言われました。今朝施術したばかりです",  # swollen lips as others see them
    "さっきエクソソーム点滴おわったんですけど、なんか息が吸いにくいです",
    "なんか息がしんどいねん、さっき点滴してもろてから",
    "施術後から動悸がする、本当に苦しい",
    "顔が腫れてきて心配です",
    "施術後から吐き気がして、吐き気止めを飲んでも治まらない",
    "息苦しいのが心配です",
    "胸がドキドキする",
    "初めて受けたんですが、さっきから胸がドキドキする",
    "いきぐるしい",
    "ｲｷｸﾞﾙｼｲ",  # half-width katakana
    "のどがはれてくるしい",  # hiragana only
    "息苦しいんですが大丈夫ですか？",  # a question that reports a symptom
    "点滴のあとから動悸がする",
    "打ったところから膿が出てきました",
    "施術後ずっと熱っぽくて今39度あります",
    "息くるしい　さっき注射した",
    "くるしい",  # a cry of distress on its own
    "iki ga kurushii",
    "息\u200b苦しいです",  # a zero-width space inside the word
    "めまいがして立てません",
    "吐き気が止まらない",
    "エクソソームについて質問です。昨日受けたんですが、顔が腫れて痛いです。",
    "母が施術を受けた後ぐったりして意識がはっきりしません",  # about someone else
    "施術終わってから息しづらい…たすけて",
    "まぶたがはれて目があかない",
    "友達が受けたら息苦しいって言ってる、どうしたらいい？",  # someone else, now  # かな inside あかない is no question
    "chuusha no ato, iki ga kurushii desu. tasukete",  # romaji
    "I got exosome today and now my face is swelling, help",  # English
    "施術してから目の前がぐるぐる回ってて立てない",  # dizziness without the word めまい
    "注射のあと目の前が真っ暗になった",
    "施術後から具合が悪いです",
    "打ったところがひりひりしてて飲み込みにくい感じがする",
    "今見たら首から胸にかけて赤いぶつぶつが広がってます。少し息もしづらい気がします。どうしたらいいですか",
    "父がさっき上清液の点滴を受けて帰宅したのですが、顔色が真っ青で呼びかけへの反応が鈍いです",
    "30分前に受けたんですが、注射したところが腫れてきました",
    "打ったところから赤い線みたいなのが腕に広がってきてる、大丈夫？",  # a red streak spreading
    "去年もニキビで悩んでたけど、今は注射したところが腫れて痛いです",
    "エクソソーム打ったあと痛みが残ってて腫れてる",  # what remains now, not whether it would
    "頭がくらくらする",
    "施術のあと頭痛がひどい",
    "頭痛いです",
    "点滴のあと顔色が悪いです",
    # Swollen acne that started after the treatment is a reaction; ぐったり is no "…たり" question.
    "施術後から赤く腫れたニキビが増えてきて痛いです",
    "昨日打ってから顔がパンパンに腫れて、ぐったりしてます",
    "さっきから息苦しくなったり治まったりしてます",
    "打ったところがすごくいたい",
    "注射のあとショック状態になってる",
    "昨日施術を受けてから何度も吐いています",  # 何度も is no long-standing complaint here
    "いきできない",
    "誰か助けて",
    "kao ga itai",
    "きのうのちゅうしゃのあとからねつがさがらない",  # fever typed in hiragana
    # Every symptom typed in hiragana only, as some patients do on a phone.
    "しじゅつのあとからいきがしづらいです",
    "くうきがはいってこない",
    "しじゅつしてからしんぞうがばくばくしてくるしい",
    "むねがくるしいです。エクソソームのちゅうしゃのあとからです",
    "しじゅつごにいっしゅんきをうしないました",
    "きがとおくなりそう、いまくりにっくのかえりみち",
    "めのまえがまっくらになってしゃがみこんでます",
    "めがまわる",
    "ははがてんてきのあとへんじをしなくなりました",
    "つまがよびかけてもはんのうがにぶいです",
    "ちちのようすがおかしいです。なまえをよんでもめをあけません",
    "ねつが40どある",
    "ちゅうしゃしたところからちがとまらない",
    "めがみえにくい",
    "きゅうにしかいがぼやけてみえなくなってきた",
    "すごくぐあいがわるいです",
    "たいちょうがめちゃくちゃわるい、どうしたらいい",
    "せんしゅううったところがいまになってかたくなって、いたみがどんどんつよくなってきてます",
    "しじゅつしたとこがむらさきいろにへんしょくして、どんどんひろがってきてる",
    "きのううったとこからうみみたいなのがでてきて、ねつが38どあります",
    "しじゅつご、ぜんしんにほっしんがひろがっており、かゆみがとまりません",
    "こえがかすれて、のどがせまくなってるかんじがする",
    "けつあつけいではかったらうえが80もない、ふらつきがひどい",
    "しじゅつごずっとむかむかしてなんもたべられず、いまもはきそうです",  # むかむかして holds no むかし
    "注射の跡から血が止まらん",  # negation in ん, as in western Japan
    "体じゅうに発心がでて止まらない",  # 発疹 converted to the wrong kanji of the same sound
    "2日前に上清液の注射をしてから、打ったところが膿んできてズキズキ痛みます",  # 2日前に is recent
    "施術後に陣麻疹が全身に出てます",  # 陣 + 麻疹 read together sound like 蕁麻疹
    "めっちゃ動機がする、施術後から止まらん",  # 動悸 converted to 動機, its everyday homophone
]
NOT_URGENT = [
    "施術で腫れたりしますか？",
    "かゆみや赤みが出ることはある？",
    "アレルギー体質でも受けられますか",
    "副作用で息苦しくなったりすることはありますか？",
    "注射の後に熱が出ることってある？",
    "痛みはありますか",
    "エクソソームとは何ですか",
    "施術後の痛みはどのくらい続きますか",
    "ダウンタイムはどのくらいですか",
    "卵アレルギーでもインフルエンザワクチンは打てますか",  # ふるえ inside インフルエンザ is no tremor
    "エクソ打ったあと腫れたりする？🥲",
    "来月伺いたいと思っています",  # いたい inside 伺いたい is no pain
    "もし施術後に赤くなったらどうすればいいですか",
    "Can exosome cause swelling?",
    "もし腫れてしまったら、どれくらいで引くものなんでしょうか",  # てしまったら is a condition
    "施術後にじんましんが出る人っていますか",  # other people, not the writer now
    "受けた後に具合が悪くなる人っているんですか",
    "受けた後に顔が腫れるリスクってどのくらい？",
    "施術後しばらくしてから赤くなったりする？",
    "息苦しくなるような副作用って報告されてますか",  # asks what has been reported
    "去年受けたときは少し赤くなったけどすぐ引きました。今回も同じ感じになりますかね",
    "初めてなのでドキドキしています",  # nerves, not palpitations
    "友達が別のとこで受けてまぶたが腫れたって言ってた。そういうのよくあるの？",  # hearsay, in the past
    "おでこのぶつぶつ、赤く膿んだのが何度もできます",  # a long-standing skin complaint
    "毛穴が詰まって赤く腫れるできものが、中学の頃からずっと続いてます。効きますか？",
    "生理中で体調が悪いんですが予約変更できますか",
    "紫外線のせいかシミが増えてきました😢 エクソソームって効くんでしょうか",  # 紫外線 is no bruise
    "ｴｸｿｿｰﾑ打ったあと痛みって残る？",  # asks whether pain remains
    "顔がパンパンに腫れるなんてこと、ないですよね？",  # asks to be reassured
    "日焼けサロンの料金っていくらくらい？",  # いくらくらい is no くらくら
    "妊娠中に飲める頭痛薬を教えてください",  # a medicine, not a headache
    "肌がくすんでいて顔色が悪く見えます。エクソソームで明るくなりますか？",  # a look, not pallor
    # A severe reaction in the past, told as background (今は治っています is not "now").
    "以前、別の注射で蕁麻疹が出たことがあります（今は治っています）。エクソソームでもアレルギーの心配はありますか",
    # "Does it happen?" in the commonest forms: …なったりするもんですか, よくあること, 起こりうる.
    "注射したあと赤くなったりかゆくなったりするもんですか",
    "顔が腫れるのはよくあることなんですか？友達が受けたあと少し腫れたって言ってたので",
    "注射後に息苦しくなるような重い反応って起こりうる？",
    "還暦を迎えて、少しでも若々しくいたいです。上清液って若返り効果あるんでしょうか。",  # いたい: to stay, not pain
    "写真に写る自分の顔が疲れて見えて、ショックを受けています。エクソソームってどんな効果がありますか",  # a feeling
    "スクラブを使うとヒリヒリするし、どうしたらいいのかわかりません。エクソソームってざらつきにもいい？",  # what a product does
    "傷んだ肌の修復を助けて、刻まれた線を浅くするって本当？",  # 助けて as a verb, no cry for help
    "施術したあとにかゆみが出るのって正常な反応？",
    "エクソソームでアナフィラキシーとかならない？",
    "以前ほかの注射でアレルギーが出たことがあります。その時は蕁麻疹でした。エクソソームも心配です。",
    "腫れて赤くなるのを鎮める働きがあるならやりたい",  # what the treatment would do
    "arerugii taishitsu demo ii?",  # romaji read as あれるぎいたいしつ holds no pain
    # Hiragana-only questions whose letters run into a symptom word.
    "エクソソームにきょうみがでてきました。",  # きょうみが holds うみが (pus)
    "ひやけでできたちゃいろいしきそちんちゃくをどうにかしたいです",  # ちゃいろい・しきそ holds いしき
    "エクソソームってびようにどうきくんですか?",  # どう効く, not 動悸
    "とりあえずはなしだけききにうかがいたいんですが、どうしたらいい?",  # 伺いたい is no pain
    "いきぐるしくなるようなふくさようってほうこくされてますか",
    "まんがいちじんましんがでたらどうしたらいいの?",
    "しびれがでるふくさようはありますか",
    "ぜんかいうけたあとすこしはれたんですが、いまはもうひいてます。あれはふつうですか?",
    "しりあいがしじゅつごにすこしめまいがしたといってましたが、よくあることですか",
    "しじゅつちゅうにぐあいがわるくなったときのたいせいはどうなってますか",
    "びいしきがたかいともだちにすすめられました",  # 美意識 is no consciousness
    "顔がたれてきてフェイスラインがぼやけてきました",  # a blurred face line, not blurred sight
    "施術後に息苦しくなるようなことって起こりえますか？",
    "アトピーの湿疹がひどいんですが皮膚科の薬は何がいいですか",  # しっしん is 湿疹 here, not 失神
    "今日は晴れてて気持ちいいですね",  # 晴れ sounds like 腫れ, and is the weather
    "数学の宿題で二次方程式がわかりません",
    "前に別のクリニックで点滴を受けたときに蕁麻疹が出たことがあります。エクソソームでも出る可能性はありますか",
    "口コミで「受けた後に赤くなった」という人を見かけました。そういうこともあるんでしょうか",  # someone else's
    "赤いぶつぶつや膿んだできものがすぐ出ます。炎症を鎮めてくれるって本当？",  # a tendency, not a reaction
    "吹き出物で顔がボコボコ、赤く腫れたのが治まるなら試したい",  # a wish, not a report
    "うちの猫がさっき毛玉吐いたんだけど大丈夫かな",  # a pet, not the patient
    "子どもがインフルっぽくて熱38度あります。小児科どこがいいですか",  # someone else's illness, no treatment
    "虫歯が痛い",  # an ailment no treatment here touches
    "歯がいたい",
    "風邪ひいたっぽい、のどが痛い",  # a cold, and no fever
    "もしかして顔が赤くはれたりしないか心配です",  # a worry before anything has happened
    "肌が敏感ですぐ真っ赤になるタイプなんです",  # a tendency
    "施術が楽しみで胸がドキドキしてます",  # looking forward to it
    "化粧品で「細胞を育てる液配合」ってあるけど、クリニックで使う上澄みとはレベルが違うの？",  # とはレベル holds no はれ
    "腰が痛いので整体を探してます",
    "風邪ひいたっぽい、喉がいがいがする",
    "海で日焼けしすぎて背中がヒリヒリ。冷やせばいいのかな",
    "腹痛いトイレ行ってくる",
    "医療脱毛ってどのくらい痛い",
    "膝が痛くて階段がつらい",
    "子どもの熱が下がらないけど小児科開いてるところどこ",
    "ミノキシジル飲むと動悸するって本当？",  # a claim asked about
    "赤みやかゆみが出る場合があるって書いてありましたがどういうことですか",  # something read
    "アナフィラキシーショックが心配です",  # a worry, nothing has happened
    "妊娠中で、吐き気止めの薬も処方されてます。受けられますか",  # a medicine's name
    "注入部位の発赤や腫脹が出る頻度は？",  # how often, asked in general
    "親知らずが腫れて痛いです",
    "友達が別のクリニックでエクソソームを受けてじんましんが出たと言っていました。私にもそういうリスクはありますか？",
    "エクソソームを受けた動機は友達の勧めです",  # a motive, not a heartbeat
    "会社の同期が受けてよかったと言ってました",
    "知り合いが施術後に顔が腫れて病院に行ったって聞いて怖くなりました。そういうことって起こりうるんですか？",
    # Long-standing acne described as swollen is the acne itself.
    "高校生の頃からずっとニキビに悩んでいて、今も赤く腫れたニキビがぽつぽつ出ます。エクソソームで炎症は落ち着きますか？",
]


@pytest.mark.parametrize("message", URGENT)
def test_reports_of_reactions_are_urgent(message: str) -> None:
    assert is_urgent(message)


@pytest.mark.parametrize("message", NOT_URGENT)
def test_general_questions_are_not_urgent(message: str) -> None:
    assert not is_urgent(message)


def test_stress_set_every_reaction_caught_and_few_false_alarms() -> None:
    """300 messages written without seeing the guard: reactions happening now, "could this
    happen?" questions and long-standing skin complaints in every spelling."""
    cases = read_cases(Path(__file__).parent / "data" / "urgent-stress.tsv")
    urgent = [c.question for c in cases if c.expect == ("@urgent",)]
    others = [c.question for c in cases if c.expect != ("@urgent",)]
    assert [q for q in urgent if not is_urgent(q)] == []
    false_alarms = [q for q in others if is_urgent(q)]
    assert len(false_alarms) <= len(others) * 0.02, false_alarms
