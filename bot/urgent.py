"""The urgent-symptom guard: runs before any FAQ matching.

A patient who describes a reaction that is happening now must be told to call the
clinic (or 119) — never be handed an FAQ entry. The guard errs on the side of urgency:
severe symptoms count unless the sentence is plainly a "could this happen?" question;
milder ones count when the sentence reports them as happening.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import jaconv

from .normalize import fold_kana, sudachi_tokenizer

# A cry for help, but not 修復を助けて (the verb).
_CRY_FOR_HELP = r"(?<![をがの])(?:助けて|たすけて)"

# Kana-folded (katakana written as hiragana), NFKC'd patterns.
_SEVERE = [
    r"いき(?:ぐる|くる|苦)し", r"息(?:ぐる|くる|苦)し", r"息が(?:でき|出来|し(?:にく|づら|ずら|んど)|苦|くる|吸え|吸いにく|すいにく|吸いづら|すいづら|吸いずら|つま|詰ま|はやい|早い|荒|浅)",
    r"いき(?:が|も)(?:でき|くる|しにく|しづら|しずら|しんど|すえ|すいにく|すいづら|つら)", r"(?:息|いき)(?:も)?(?:でき|出来)(?:な|ん|ず)", r"呼吸", r"こきゅう", r"窒息",
    # (かいい, かいー: itchy in western dialects.)
    r"(?:全身|ぜんしん|体中|からだじゅう|身体中|体じゅう)[^。!?]{0,12}(?:じんましん|蕁麻疹|発疹|膨疹|紅斑|ぶつぶつ|ブツブツ|かゆ|痒|かいい|かいー|赤|腫|はれ)",
    r"(?:唇|くちびる|喉|のど|ノド|舌|まぶた|瞼|目の周り|顔中|顔全体|顔が)[^。!?]{0,8}(?:腫|はれ|はれ|むくん|パンパン|ぱんぱん)",
    r"(?:腫|はれ|はれ)[^。!?]{0,8}(?:唇|くちびる|喉|のど)",
    # Swollen lips as others see them: たらこ唇, 唇がおばけみたい, 倍くらいになった.
    r"(?:唇|くちびる)[^。!?]{0,8}(?:たらこ|おばけ|分厚|ぶあつ|倍に|倍くらい|めくれ)", r"(?:たらこ|おばけ)(?:みたいな|の)?(?:唇|くちびる)",
    r"(?:喉|のど|咽頭|喉頭|いんとう|こうとう)[^。!?]{0,6}(?:つま|詰ま|狭|せま|苦し|くるし|締め|締ま|しまっ|しまる|しめつけ|イガイガ|いがいが|違和感|おかし|変|浮腫|腫脹)",
    # Medical words a nurse or a patient who read up may use: hoarseness, wheezing, wheals all over.
    r"嗄声", r"声が(?:かすれ|かれ|枯れ|嗄れ|出にく|でにく|出な|でな)", r"喘鳴", r"ぜんめい", r"血圧(?:が)?(?:低下|下が|さが)", r"意識(?:消失|レベル)",
    r"(?:首|くび)[^。!?]{0,14}(?:締め付け|しめつけ|締まる|しまる|締まっ|しまっ)[^。!?]{0,12}(?:苦し|くるし)",
    r"(?:苦し|くるし)[^。!?]{0,4}(?:息|いき)", r"(?:空気|くうき)が(?:入ってこ|はいってこ|吸えな|すえな)",
    r"(?:舌|した)が[^。!?]{0,4}(?:腫|はれ|ぼって|ふくれ|膨れ|しびれ|痺れ)", r"うまく(?:話せ|しゃべれ|喋れ)", r"しゃべれな", r"喋れな", r"言葉が出な",
    # 意識が遠い, but not 美意識 nor 美容意識が高い; いしき not inside ちゃいろい・しきそ (茶色い色素).
    r"(?<![美び])(?:意識|いしき)(?:が|は|も|を|不明|ない|なく)(?!高|たか)",
    r"気を失", r"きをうしな", r"気絶", r"きぜつ", r"失神", r"倒れ", r"たおれ", r"気が遠", r"きがとお", r"ぼーっとして", r"朦朧", r"もうろう",
    r"けいれん", r"痙攣", r"ひきつけ", r"しびれ", r"痺れ", r"ろれつ", r"呂律",
    r"動悸", r"どうき(?![くかけこょゅゃ])",  # not どう効く, 同居, 同級生 typed in kana
    # 動悸 converted to 動機 or 同期 (same sound), where only a heartbeat fits: 動機がする.
    r"(?:動機|同期)が(?:する|して|し(?:ます|てる|てい)|止ま|とま|おさま|収ま|ひど|激し|はげし)",
    r"(?:心臓|しんぞう)[^。!?]{0,3}(?:ばくばく|バクバク|どきどき|ドキドキ)", r"脈が[^。!?]{0,8}(?:速|早|はや|おかし|飛)",
    r"(?:胸|むね)が[^。!?]{0,4}(?:苦|くる|痛|いた)", r"(?:どきどき|ばくばく)(?:が|して)?[^。!?]{0,4}(?:止まらな|とまらな|止まりません|とまりません|止まらん|とまらん|おさまらな|収まらな|おさまりません|収まりません)",
    r"アナフィラキシー", r"ショック(?!を受け|をうけ|だ|で|な|でし|です|すぎ)",  # 地味にショックです is a feeling
    r"血が止ま(?:らな|らん|りませ)", r"出血が止ま(?:らな|らん|りませ)", r"血が(?:ずっと|にじ|滲)", r"119", r"救急",
    r"息し(?:づら|ずら|にく)", r"息が(?:つら|辛)",
    r"息(?:も|は|を)(?:し|吸い|すい)?(?:づら|ずら|にく|苦|くる|でき|出来|吸え|すえ)", r"絶え絶え",  # 息もしづらい
    r"(?:返事|へんじ)を?しな", r"(?:返事|へんじ)がな", r"(?:目|め)を(?:開け|あけ)(?:な|ませ)", r"(?:焦点|しょうてん)が(?:合|あ)",
    r"変なこと(?:を)?(?:言|い)", r"へんなこと(?:を)?(?:言|い)", r"呼んでも", r"よんでも(?:へんじ|はんのう|おき|起き|め)",
    r"二重に見え", r"にじゅうにみえ", r"視界", r"目が見えな", r"めがみえな", r"(?:見え|みえ)なくな",
    r"(?:呼びかけ|よびかけ)", r"(?:反応|はんのう)が(?:な|鈍|にぶ|遅|おそ)",
    r"ちが(?:とまらな|とまらん|とまりませ|ずっと|にじ)", r"しゅっけつがとま(?:らな|らん|りませ)",
    r"(?:血圧|けつあつ)(?:計|けい|が)[^。!?]{0,10}(?:低|ひく|下が|さが|\d)",
    r"血圧(?:計|が)[^。!?]{0,10}(?:低|下が|\d)",
    r"ぐったり", r"反応がな", r"反応が(?:鈍|にぶ|遅|おそ)", r"呼びかけ", r"目が(?:開かな|あかな)", r"真っ青", r"まっさお", r"青ざめ",
    _CRY_FOR_HELP,
    # The room spinning or the sight going dark is dizziness or fainting, however it is put.
    r"(?:目の前|めのまえ)が(?:真っ暗|まっくら|暗|くら|白く|しろく|ちかちか|ぐるぐる|回|まわ|ゆが|歪)", r"(?:目|め)が(?:回|まわ)", r"立って(?:い)?られな", r"立てな",
    # Wheezing, a closing throat, a body going limp.
    # Vomiting again and again is a reaction in progress, however long it has gone on.
    r"何度も(?:吐|は)い", r"(?:吐|は)き続け", r"(?:吐|は)いて(?:い|ま|る)", r"嘔吐(?:して|が止ま)",
    r"ぜーぜー", r"ぜいぜい", r"ひゅーひゅー", r"飲み込(?:みにく|めな|みづら|みずら)", r"のみこ(?:みにく|めな)", r"声が(?:かすれ|出な|でな)",
    r"力が入らな", r"ちからがはいらな", r"青白", r"冷や汗", r"ひやあせ", r"咳が(?:止まらな|とまらな|止まらん|とまらん)",
]
# Messages in English: a few words a frightened patient would use.
_ENGLISH_SEVERE = (
    r"can'?t breathe|cannot breathe|hard to breathe|short(?:ness)? of breath|breathing|suffocat|"
    r"hives|anaphyla|faint|pass(?:ed|ing)? out|unconscious|chest pain|throat|seizure|"
    r"\bhelp(?:\s*me\b|\s*!|\s*$)|please help|emergency"  # a cry for help, not "will it help?"
)
_ENGLISH_MODERATE = r"swell|swollen|itch|rash|pain|hurts?\b|fever|dizz|nause|vomit|bleed|red(?:ness)?\b|bruis"
_RACING_HEART = r"(?:胸|むね)が[^。!?]{0,3}(?:どきどき|ばくばく)"
_MODERATE = [
    r"じんましん", r"蕁麻疹", r"発疹", r"ほっしん", r"湿疹", r"しっしん", r"膨疹", r"紅斑", r"発赤", r"腫脹", r"掻痒", r"瘙痒", r"浮腫",
    r"悪心", r"嘔気", r"頻脈", r"熱感", r"寒気", r"さむけ", r"悪寒", r"震え", r"ふるえ",
    # A racing heart told as happening (胸がドキドキする); see _EXCITED.
    _RACING_HEART, r"(?:脈|みゃく)が(?:早|速|はや)",
    r"めまい", r"目眩", r"眩暈", r"立ちくらみ", r"たちくらみ", r"立ち眩み", r"しゃがみこ", r"しゃがみ込", r"(?<!い)くらくら", r"ふらふら", r"ふらつ", r"ぐるぐる",  # not いくらくらい (how much)
    r"吐き気", r"はきけ", r"吐きそう", r"はきそう", r"嘔吐", r"おうと", r"吐い", r"はいちゃ", r"はいてしま", r"もどして", r"もどしちゃ", r"気持ち悪", r"きもちわる",
    r"高熱", r"こうねつ", r"(?:3[7-9]|4[0-2])(?:\.\d)?(?:度|ど(?!う))", r"(?:熱|ねつ)が(?:出|で|ある|あり|下がらな|さがらな|下がらん|さがらん)", r"発熱", r"(?:熱|ねつ)っぽ", r"熱を持", r"熱をも", r"熱い",
    r"膿", r"化膿", r"ただれ",
    # うみ is pus only when it comes out (not 興味が, きょうみ, nor 海が).
    r"(?<!ょ)うみ(?:が|も|みたいな|のような|っぽい)[^。!?]{0,8}(?:で|出|たま|溜|じゅく)",
    r"腫れ", r"はれ", r"腫れあが", r"パンパン", r"ぱんぱん", r"むくん",
    # In kana, いたい must follow a particle or adverb: 伺いたい and もらいたい are not pain, nor
    # 若々しくいたい (to stay young); すごくいたい is.
    r"痛い", r"痛み", r"痛む", r"(?<!うかが)(?<!ねが)(?:^|(?<=[がてもはにとぎ、,\s])|(?<=[^し若かい]く))いた(?:[いみむ]|く(?:て|な))", r"痛く(?:て|な)", r"ズキズキ", r"ずきずき", r"激痛",
    r"赤くなっ", r"真っ赤", r"まっか", r"かゆくて", r"かゆい", r"痒い", r"痒くて", r"かゆみが(?:ひど|止まらな|とまらな|出)",
    r"内出血", r"ないしゅっけつ", r"青あざ", r"あざ", r"変色", r"へんしょく", r"黒く",
    r"紫(?!外)", r"むらさき(?!がい)",  # 紫外線 is sunlight, not a bruise
    r"(?:ぶつぶつ|ブツブツ|発疹|ほっしん|赤み|あかみ|赤い|赤く|あかい|あかく|湿疹|じんましん|蕁麻疹|かゆみ|腫れ|はれ|斑点|あざ)[^。!?]{0,14}"
    r"(?:広が|ひろが|増えて|ふえて|出てき|でてき|いっぱい|だらけ)",  # spreading: a rash, a red streak
    r"じゅくじゅく", r"かゆう", r"痒う", r"動けな", r"うごけな", r"だるくて",
    r"(?:顔色|かおいろ)が(?:悪|わる)(?![^。!?]{0,3}(?:見え|みえ))",  # 顔色が悪く見える is a look, a skin question
    r"(?:気分|きぶん)が[^。!?]{0,6}(?:悪|わる)", r"(?:具合|ぐあい)が[^。!?]{0,6}(?:悪|わる)", r"(?:体調|たいちょう)が[^。!?]{0,6}(?:悪|わる|おかし)", r"様子がおかし", r"むかむか", r"ほてり", r"火照", r"ほてっ",
    r"ひりひり", r"じんじん", r"ぴりぴり", r"しこり", r"水ぶくれ", r"みずぶくれ", r"血が(?:出|で)", r"出血",
    # Blurred sight, not a blurred face line; 頭痛薬 is a medicine.
    r"視界が", r"見えにく", r"みえにく", r"(?:視界|しかい|目|め)[^。!?]{0,3}ぼやけ", r"ぼやけて(?:見え|みえ)",
    r"かすんで", r"霞んで", r"頭が痛", r"頭痛(?!薬|の薬|剤)", r"ずつう(?!やく|のくすり|ざい)",
]
SEVERE = re.compile("|".join([fold_kana(p) for p in _SEVERE] + [_ENGLISH_SEVERE]), re.IGNORECASE)
MODERATE = re.compile("|".join([fold_kana(p) for p in _MODERATE] + [_ENGLISH_MODERATE]), re.IGNORECASE)

# Wording shared by the general and the hypothetical question.
_CAN_HAPPEN = r"(?:起こり|おこり|起き|おき|あり|なり)(?:うる|得る|える|えます|得ます)|よくある|よくあり"  # 起こりうる?
_IS_IT_NORMAL = r"正常|普通|ふつう|当たり前|あたりまえ|一般的|(?:に|と|とか)ならな"  # 正常な反応? …とかならない?
_PRODUCT_DOES = r"(?:使う|つかう|塗る|ぬる|つける|付ける|洗う|あらう|こする|擦る)と"  # スクラブを使うとヒリヒリする: what a product does

# "Could this happen?" — wording of a general question about the treatment.
_GENERAL = re.compile(
    fold_kana(
        r"(?:(?<![ぐぴばゆまべ]っ)(?:たり|だり)|ることは|ることって|ることが|ることも|ることなん|る可能性|る場合|たら|れば|可能性|かのうせい|心配|しんぱい|不安|ふあん|リスク|副作用|ふくさよう|恐れ|おそれ|"
        rf"{_PRODUCT_DOES}|{_IS_IT_NORMAL}|{_CAN_HAPPEN}|(?:ある|あれ)なら|"
        r"(?:る|た)のを(?:鎮め|しずめ|抑え|おさえ|防|ふせ|予防|改善|治)|"  # …のを鎮めるならやりたい
        r"場合|ことはあ|ことってあ|ことがあ|ことある|ことも?あり|事はあ|事ってあ|たことがあ|たことある|体質|たいしつ|事態|ケース|"
        r"(?:人|ひと|方|かた)(?:って|は|も|が)?(?:いる|います|いらっしゃ))"
    )
    + r"|\b(?:normal|common|usual|usually|possible|risk|chance|happen|ever)\b"
)
# A question, as opposed to a report.
_QUESTION = re.compile(
    fold_kana(r"(?:\?|か$|か[。\s]|かな$|かな[?\s]|ますか|ですか|でしょうか|ませんか|の$|平気$|大丈夫$)")
    + r"|^(?:can|could|will|would|does|do|is|are|might|may)\b"
)
# Reported as happening now: past/progressive forms, time words, "since the treatment".
_NOW = re.compile(
    fold_kana(
        r"(?:ました|ている|ています|ております|ておりま|どんどん|てる|てます|てきた|てきて|てきました|てしまっ|ちゃっ|じゃっ|だした|出した|始めた|はじめた|"
        r"止まらな|とまらな|治らな|なおらな|引かな|ひかな|おさまらな|収まらな|止まらん|とまらん|治らん|なおらん|引かん|ひかん|おさまらん|収まらん|ひどくな|"
        r"今も|いまも|今すぐ|ずっと|さっき|先ほど|昨日|きのう|昨夜|今朝|けさ|今日|きょう|今夜|夜中|朝から|から$|てから|以来|あとから|後から|施術後から|"
        rf"苦しい|くるしい|苦しくて|{_CRY_FOR_HELP}|やばい|どうしよう|怖い|こわい)"
    )
)
# Weaker signs of "now" that a plainly hypothetical sentence (もし…たら) overrides.
_MAYBE_NOW = re.compile(fold_kana(r"(?:したら|やったら|打ったら|受けたら|どうすれば|どうしたら|打った|受けた|した後|したあと)"))
_HYPOTHETICAL = re.compile(
    fold_kana(
        r"(?:(?:^|(?<=[、,\s]))もし|万が一|まんがいち|万一|まんいち|仮に|かりに|なったら|出たら|でたら|起きたら|おきたら|起こったら|おこったら|場合|ばあい|"
        r"(?<![ぐぴばゆまべ]っ)たり|ことって|ことは|可能性|かのうせい|リスク|確率|かくりつ|頻度|ひんど|"
        rf"{_CAN_HAPPEN}|{_IS_IT_NORMAL}|{_PRODUCT_DOES}|ときの|時の|事態|ケース|ってあるん|次も|次回|今回も|"
        r"(?:人|ひと|方|かた)(?:って|は|も|が)?(?:いる|います|いらっしゃ))"  # なる人っている? asks about others
    )
)
_SENTENCE_END = re.compile(r"(?<=[。!?\n])")
# A long-standing complaint (ニキビが何度もできる, 中学の頃から) is a skin question, not a
# reaction to the treatment: it keeps a milder symptom word from counting.
# Something heard about someone else, in the past (腫れたって言ってた, らしい).
_HEARSAY = re.compile(
    fold_kana(r"(?:って|と)(?:言って(?:い)?た|いって(?:い)?た|言ってました|いってました|言っていました|いっていました|聞いた|きいた|聞きました|ききました|聞いています|きいています|聞いてます|きいてます|聞いており|きいており)|(?:って|と)(?:聞いて|きいて)|らしい|らしく|という人|っていう人|って人|口コミ|くちこみ|見かけ|みかけ|"
              r"(?:って|と)(?:本当|ほんと)(?:\?|です|なの|なん|$)|(?:って|と)(?:書いて|かいて)(?:あ|い)")
)
_PET = re.compile(fold_kana(r"(?:猫|ねこ|犬|いぬ|ペット|わんちゃん|にゃんこ|愛犬|愛猫)(?:が|は|も|ちゃん)"))
# A milder symptom put down to an everyday illness (風邪ひいたっぽい、のどが痛い; 子どもが
# インフルっぽくて熱38度), in a message that says nothing of a treatment, is no reaction to one.
# The patient's own fever or chills still count, whatever they put them down to: they may be
# the reaction.
_SOMEONE_ELSE = re.compile(
    fold_kana(r"(?:子ども|子供|こども|息子|むすこ|娘|むすめ|赤ちゃん|あかちゃん|赤ん坊|夫|旦那|だんな|主人|妻|嫁|母|父|祖母|祖父|"
              r"おばあちゃん|おじいちゃん|友達|ともだち|友人|彼氏|家族|兄|弟|姉|妹)(?:が|は|も|の)")
)
_FEVER = re.compile(fold_kana(r"熱|ねつ|度|寒気|さむけ|悪寒|おかん"))
_EVERYDAY_ILLNESS = re.compile(
    fold_kana(r"インフル|風邪|かぜ(?:を|ひ|気味|ぎみ|っぽ|で)|コロナ|胃腸炎|ノロ|食中毒|食あたり|花粉症|生理痛|二日酔い|ふつかよい|小児科|内科")
)
# A milder symptom of a part or an ailment no treatment here touches (虫歯が痛い) is not one either.
_UNRELATED_AILMENT = re.compile(
    fold_kana(r"虫歯|むしば|親知らず|おやしらず|歯医者|はいしゃ|歯科|歯ぐき|歯茎|奥歯|おくば|歯痛|歯が(?:痛|いた|ずき|しみ)|口内炎|こうないえん|"
              r"生理痛|靴擦れ|くつずれ|ぎっくり腰|腰痛|腰が痛|こしがいた|捻挫|ねんざ|整体|せいたい|肩こり|かたこり|日焼け|ひやけ|"
              r"腹痛|腹が痛|腹痛い|はらいた|お腹が痛|おなかが痛|おなかいた|トイレ|医療脱毛|脱毛|膝が痛|ひざが痛|膝痛|関節痛|筋肉痛")
)
_TREATMENT = re.compile(
    fold_kana(r"施術|しじゅつ|注射|ちゅうしゃ|注入|点滴|てんてき|治療|ちりょう|導入|エクソ|えくそ|上清|じょうせい|幹細胞|"
              r"打っ|うっ(?:た|て)|打た|受け|うけ(?:た|て)|クリニック|くりにっく|そちら|御院|貴院|こちらで")
)
_SCRATCHY_THROAT = re.compile(fold_kana(r"(?:喉|のど|ノド)(?:が|も)?(?:イガイガ|いがいが|違和感|痛い|いたい)"))
# "If it happens…" and "last time… will it happen again?" are questions, whatever verb forms they use.
_IF = re.compile(
    fold_kana(
        r"(?:(?:^|(?<=[、,\s]))もし|万が一|まんがいち|万一|まんいち|仮に|かりに)[^。!?]*たら|"
        r"(?:前に|まえに|以前|いぜん|前回|ぜんかい|ヶ月前|か月前|年前|昔|むかし(?!て))[^。!?]*(?:次も|つぎも|次回|じかい|今回も|こんかいも|また)|"
        r"(?:とき|時|場合|ばあい)の(?:体制|たいせい|対応|たいおう|流れ|ながれ|方法|ほうほう|連絡|れんらく|処置|しょち)|"  # 具合が悪くなったときの体制は?
        r"(?:る|た)なら(?:試|ため|受け|うけ|やり|お願い)"  # 赤く腫れたのが治まるなら試したい: a wish, not a report
    )
)
# 今は治っています says the opposite of "now".
_NOW_HERE = re.compile(
    fold_kana(rf"今(?![回後度]|は(?:もう|治|なお|大丈夫|平気|落ち着|おちつ|消え|きえ|引い|ひい|何とも|なんとも))|さっき|{_CRY_FOR_HELP}|どうしよう|(?<!ときって)(?<!時って)(?<!ときは)(?<!時は)どうしたら")
)
# A milder reaction at an earlier treatment (去年受けたときは赤くなった) is history.
_ASKED_IN_GENERAL = re.compile(
    fold_kana(
        r"(?:たり|だり)(?:する|します|しない|しません)(?:もん|もの)?(?:です|なん|なの)?(?:\?|か|の|$)|ことある\?|ことあります|ことって|可能性|"
        r"(?:って|は)(?:残る|残ります|続く|続きます|出る|出ます|引く|引きます)(?:\?|か|の|$)"  # 痛みって残る?
    )
)
_REPORTED_IN_GENERAL = re.compile(
    fold_kana(r"報告され|報告があ|報告はあ|ほうこくされ|ほうこくがあ|ほうこくはあ|例はあ|例があ|ような副作用|ようなふくさよう|ことってあ|ことはありますか|なんてこと|なんてない|なんてありません")
)
# A worry that it might happen (赤くはれたりしないか心配です), told before anything has.
_WORRIED_IT_MIGHT = re.compile(
    fold_kana(r"(?:たり|だり)しないか|(?:ないか|ないかと|ないかが)(?:心配|しんぱい|不安|ふあん|気になり|きになり|気になって)|"
              r"(?:が|も)(?:心配|しんぱい|不安|ふあん)(?:です|で|なん|なの|$)")  # アナフィラキシーが心配です
)
_EARLIER = re.compile(fold_kana(r"去年|きょねん|昨年|さくねん|前回|ぜんかい|以前|いぜん|(?<![日分間週])前に|ヶ月前|か月前|年前|ねんまえ|昔|むかし(?!て)|その時は|そのときは|あの時は|あのときは"))
# 以前、別の注射で蕁麻疹が出たことがあります: a past experience, told as background, even when severe.
_EXPERIENCED = re.compile(fold_kana(r"(?:た|だ)こと(?:が|も)?(?:あ|有)"))
_CHRONIC = re.compile(
    fold_kana(r"何度も|なんども|繰り返し|くりかえし|しょっちゅう|昔から|むかしから|前から|まえから|中学|ちゅうがく|高校|こうこう|学生の頃|がくせいのころ|"
              r"思春期|ししゅんき|何年も|なんねんも|年前から|ねんまえから|毎月|まいつき|生理前|せいりまえ|"
              r"いつも|悩み|なやみ|悩んで|なやんで|普段|ふだん|季節の変わり目|きせつのかわりめ|敏感肌|びんかんはだ|"
              r"(?:し|でき|出|で|なり)やすい|すぐ(?:出|で|でき)(?:ます|る|ちゃう)|(?:る|やすい)タイプ|体質|たいしつ|肌が敏感|はだがびんかん")
    + r"|\b(?:keep getting|for years|always|every month|chronic)\b",
    re.IGNORECASE,
)
# In a long-standing complaint, 赤く腫れたニキビ describes the acne itself, not a reaction.
_SKIN_COMPLAINT = re.compile(
    fold_kana(r"(?:赤く|あかく)?(?:腫れ|はれ)(?:た|てる|ている|上がった|あがった)?(?:大人)?(?:にきび|吹き出物|ふきでもの)|"
              r"(?:にきび|吹き出物|ふきでもの)(?:が|も|の)?(?:赤く|あかく)?(?:腫れ|はれ)")
)
# Looking forward to it or nervous (施術が楽しみで胸がドキドキ): a feeling, not a racing heart.
_EXCITED = re.compile(fold_kana(r"楽しみ|たのしみ|わくわく|ワクワク|緊張|きんちょう|待ち遠し|まちどおし|嬉し|うれし"))
_SINCE = re.compile(fold_kana(r"てから|後から|あとから|以来|さっき|今"))
_RACING_HEART_PATTERN = re.compile(fold_kana(_RACING_HEART))
_REMEDY = re.compile(fold_kana(r"(?:吐き気|はきけ|痛み|いたみ|かゆみ|痒み|咳|せき|下痢|げり|酔い|よい)止め|熱さまし|熱冷まし|解熱剤|鎮痛剤"))
# Forms that look like "happening now" but are not: もし腫れてしまったら is a condition,
# 出る人っていますか asks about other people.
_NOT_NOW = [
    (re.compile(fold_kana(r"(?:てしまっ|ちゃっ|じゃっ)たら")), "たら"),
    (re.compile(fold_kana(r"(人|ひと|方|かた)って(いる|います)")), r"\1\2"),
]


def _masked(pattern: re.Pattern[str], sentence: str) -> str:
    """The sentence with what `pattern` finds blanked out, keeping its length: offsets into the
    original text still hold."""
    return pattern.sub(lambda m: "・" * len(m.group(0)), sentence)


def _found(pattern: re.Pattern[str], folded: str, original: str) -> bool:
    """A symptom word, but not kana letters inside a katakana word (インフルエンザ is no ふるえ),
    nor hiragana that run on into the start of a katakana word (とはレベル is no はれ)."""
    for match in pattern.finditer(folded):
        start = match.start()
        inside_katakana = start > 0 and _KATAKANA.match(original[start - 1]) and _KATAKANA.match(original[start])
        end = match.end()
        into_katakana = (
            _HIRAGANA_LETTER.match(original[start])
            and _KATAKANA_LETTER.match(original[end - 1])
            and end < len(original)
            and _KATAKANA.match(original[end])
        )
        if not inside_katakana and not into_katakana:
            return True
    return False


_KATAKANA = re.compile(r"[ァ-ヺー]")
_KATAKANA_LETTER = re.compile(r"[ァ-ヺ]")
_HIRAGANA_LETTER = re.compile(r"[ぁ-ゖ]")
# Zero-width and other invisible format characters would split a symptom word (息\u200b苦しい).
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# A message that is only a cry of distress (くるしい, 助けて, 痛い…) is someone in trouble now.
_SHORT_DISTRESS = re.compile(
    fold_kana(r"(?:息|いき)?(?:が)?(?:苦しい|くるしい|くるし|苦し|痛い|いたい|いたたた|つらい|辛い|しんどい|助けて|たすけて|やばい|死にそう|しにそう)(?:です|っ|よ|ー)*"),
    re.IGNORECASE,
)
_NOT_WORDS = re.compile(r"[\s\W_]+")
_ROMAJI_WORD = re.compile(r"[a-z]+", re.IGNORECASE)
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _with_romaji_read(text: str) -> str:
    """A message with no Japanese script is checked as typed and read as romaji (iki ga kurushii)."""
    if _JAPANESE.search(text) or not _ROMAJI_WORD.search(text):
        return text
    # Japanese runs its words together: iki ga kurushii is read as いきがくるしい.
    kana = "".join(jaconv.alphabet2kana(word.lower()) for word in _ROMAJI_WORD.findall(text))
    return text + "\n" + kana


def is_urgent(text: str) -> bool:
    """True when the message describes a reaction that is happening.

    A symptom typed with the wrong kanji of the same sound (発心 for 発疹) is read as the symptom."""
    if _reports_a_reaction(text):
        return True
    heard = _symptoms_by_sound(text)
    return heard is not None and _reports_a_reaction(heard)


# Symptom words that a phone's kana-to-kanji conversion can turn into another word of the same
# sound (発疹 → 発心): a word read exactly like one of them is taken for it. Not 腫れ
# nor 動悸 nor 膿 and 化膿, whose sounds are everyday words (晴れ, 同期, 脳, 可能).
_SYMPTOMS_BY_SOUND = (
    "発疹", "湿疹", "蕁麻疹", "痙攣", "失神", "嘔吐", "吐き気", "痺れ", "激痛", "高熱", "発熱",
    "悪寒", "眩暈", "内出血", "出血", "呼吸", "窒息", "意識", "朦朧", "息苦しい", "動けない",
)


def _symptoms_by_sound(text: str) -> str | None:
    """The text with words that sound like a symptom written as that symptom; None if none does."""
    if not _KANJI.search(text):
        return None
    sounds = _sounds()
    out = []
    heard = False
    text = _LONE_SURROGATE.sub(" ", unicodedata.normalize("NFKC", text))[:MAX_READ]  # SudachiPy cannot encode them
    morphemes = list(sudachi_tokenizer().tokenize(text))
    i = 0
    while i < len(morphemes):
        # One word, or up to three side by side (陣 + 麻疹 reads じんましん).
        for j in range(min(len(morphemes), i + 3), i, -1):
            span = morphemes[i:j]
            surface = "".join(m.surface() for m in span)
            if all(_KANJI.search(m.surface()) for m in span):
                symptom = sounds.get("".join(fold_kana(m.reading_form()) for m in span))
                if symptom is not None:
                    heard = heard or symptom != surface
                    out.append(symptom)
                    i = j
                    break
        else:
            out.append(morphemes[i].surface())
            i += 1
    return "".join(out) if heard else None


@functools.cache
def _sounds() -> dict[str, str]:
    sounds: dict[str, str] = {}
    for word in _SYMPTOMS_BY_SOUND:  # 湿疹 before 失神: しっしん typed wrong is taken for the milder one
        sounds.setdefault("".join(fold_kana(m.reading_form()) for m in sudachi_tokenizer().tokenize(word)), word)
    return sounds


def _reports_a_reaction(text: str) -> bool:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    text = _with_romaji_read(text)
    if _SHORT_DISTRESS.fullmatch(fold_kana(_NOT_WORDS.sub("", text))):
        return True
    folded = fold_kana(text)
    # What the whole message says about where a milder symptom comes from, read once.
    no_treatment = not _TREATMENT.search(folded)
    cold = no_treatment and _EVERYDAY_ILLNESS.search(folded) is not None
    ailment_of_its_own = no_treatment and _UNRELATED_AILMENT.search(folded) is not None
    someone_elses = _SOMEONE_ELSE.search(folded) is not None
    offset = 0
    for sentence in _SENTENCE_END.split(folded):
        original = text[offset : offset + len(sentence)]
        offset += len(sentence)
        if sentence.strip() != sentence:
            original = original.strip()
            sentence = sentence.strip()
        if not sentence:
            continue
        if cold:
            # 風邪ひいたっぽい、喉がいがいがする: a cold's throat, no treatment named.
            sentence = _masked(_SCRATCHY_THROAT, sentence)
        if _CHRONIC.search(sentence):
            sentence = _masked(_SKIN_COMPLAINT, sentence)
        # 吐き気止めの薬, 痛み止め: a medicine's name, not a symptom.
        sentence = _masked(_REMEDY, sentence)
        if _EXCITED.search(sentence) and not _SINCE.search(sentence):
            sentence = _masked(_RACING_HEART_PATTERN, sentence)
        severe = _found(SEVERE, sentence, original)
        moderate = _found(MODERATE, sentence, original)
        if not severe and (
            not moderate or ((_CHRONIC.search(sentence) or _EARLIER.search(sentence)) and not _NOW_HERE.search(sentence))
        ):
            continue
        if (_HEARSAY.search(sentence) or _IF.search(sentence)) and not _NOW_HERE.search(sentence):
            continue  # 友達が腫れたって言ってた: someone else's past, not a reaction now
        if _PET.search(sentence):
            continue  # うちの猫がさっき吐いた: an animal, not the patient
        if not severe and (ailment_of_its_own or (cold and (someone_elses or not _FEVER.search(sentence)))):
            continue  # 虫歯が痛い, 風邪っぽくてのどが痛い, 子どもがインフルで熱38度: an ailment of its own, no treatment named
        if _EXPERIENCED.search(sentence) and _EARLIER.search(sentence) and not _NOW_HERE.search(sentence):
            continue  # 以前…出たことがあります: history
        if _WORRIED_IT_MIGHT.search(sentence) and not _NOW.search(sentence) and not _NOW_HERE.search(sentence):
            continue  # 腫れたりしないか心配です: not happening yet
        for pattern, replacement in _NOT_NOW:
            sentence = pattern.sub(replacement, sentence)
        if not _NOW_HERE.search(sentence) and (
            (not severe and _ASKED_IN_GENERAL.search(sentence)) or _REPORTED_IN_GENERAL.search(sentence)
        ):
            continue  # 赤くなったりする? / 息苦しくなるような副作用って報告されてますか? ask whether it happens
        now = _NOW.search(sentence) is not None or (
            _MAYBE_NOW.search(sentence) is not None and _HYPOTHETICAL.search(sentence) is None
        )
        general = _GENERAL.search(sentence) is not None
        question = _QUESTION.search(sentence) is not None
        # A severe symptom is a report unless asked about in general (…なったりしますか?);
        # a milder one is, unless the sentence is a question or speaks in general.
        asking = (general and question) if severe else (general or question)
        # A report (not a question) of any symptom is urgent; so is a question that says
        # the symptom is happening (息苦しいんですが大丈夫ですか?).
        if now or not asking:
            return True
    return False


_KANJI = re.compile(r"[\u4e00-\u9fff々]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_READ = 2000  # characters read by sound; the guard reads the whole message as typed
