from bot.answering import Answerer


def test_answers_a_plain_question_with_the_right_entry(answerer: Answerer) -> None:
    result = answerer.answer("エクソソームとは何ですか")
    assert result.kind == "answer"
    assert result.entry_id == "exosome-what"
