import pytest

from bot.intents import DELETE, RESUME_BOT, TALK_TO_STAFF, chat_request, is_deletion_request, is_handoff_request, is_resume_request

DELETION = [
    "履歴を削除", "履歴削除", "履歴を消して", "データを削除して", "私のデータを消して", "記録を削除してください",
    "りれきをさくじょ", "ﾘﾚｷを削除", "履歴を　削除！", "トーク履歴をリセットしてください", "質問の記録を消去してほしいです",
    "これまでの履歴を全部消してください", "Delete my data", "ＤＥＬＥＴＥ ＭＹ ＨＩＳＴＯＲＹ",
]
NOT_DELETION = [
    "データはいつ削除されますか", "履歴を削除しないで", "シミを消したい", "ニキビ跡は消せますか",
    "データは消えますか", "エクソソームとは何ですか", "履歴",
]
HANDOFF = [
    "スタッフと話したい", "人と話したい", "電話したい", "オペレーター", "担当者に代わって", "直接相談したい",
    "ｽﾀｯﾌと話したい", "スタッフさんと話せますか?", "人間と話したいです", "ボットじゃなくて人と話したい",
    "オペレーターお願いします", "電話で相談したいです", "担当の方につないでください", "有人対応希望",
]
NOT_HANDOFF = [
    "電話番号を教えて", "電話で予約できますか", "副作用はありますか", "人に見られたくない",
    "スタッフの人数は?", "予約したい", "話したくない",
]


@pytest.mark.parametrize("text", DELETION)
def test_deletion_requests_in_any_script_and_width(text: str) -> None:
    assert is_deletion_request(text)


@pytest.mark.parametrize("text", NOT_DELETION)
def test_questions_about_deletion_and_other_erasing_are_not_requests(text: str) -> None:
    assert not is_deletion_request(text)


@pytest.mark.parametrize("text", HANDOFF)
def test_asking_for_a_person(text: str) -> None:
    assert is_handoff_request(text)


@pytest.mark.parametrize("text", NOT_HANDOFF)
def test_ordinary_questions_are_not_handoff_requests(text: str) -> None:
    assert not is_handoff_request(text)


@pytest.mark.parametrize("text", ["自動応答に戻る", "ボットに戻して", "自動応答を再開してください", "ﾁｬｯﾄﾎﾞｯﾄに戻りたい"])
def test_back_to_the_bot(text: str) -> None:
    assert is_resume_request(text)
    assert not is_handoff_request(text)


@pytest.mark.parametrize("text", DELETION + NOT_DELETION + HANDOFF + NOT_HANDOFF + ["自動応答に戻る", "ボットを再開"])
def test_chat_request_agrees_with_the_single_checks_in_their_order(text: str) -> None:
    expected = next((kind for kind, check in ((DELETE, is_deletion_request), (RESUME_BOT, is_resume_request),
                                              (TALK_TO_STAFF, is_handoff_request)) if check(text)), None)
    assert chat_request(text) == expected
