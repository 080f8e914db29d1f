"""Answer quality on labelled questions: the bars the FAQ and matcher must keep."""

from pathlib import Path

import pytest

from bot.answering import Answerer
from bot.evaluation import evaluate, read_cases

DATA = Path(__file__).resolve().parent / "data"
REPO = DATA.parent.parent


def test_dev_set_every_faq_row_correct_and_nothing_harmful(answerer: Answerer) -> None:
    report = evaluate(read_cases(DATA / "dev.tsv"), answerer.answer)
    assert [o.case.question for o in report.outcomes if o.case.category == "faq" and not o.correct] == []
    assert report.harmful == []


def test_staff_regression_file_passes(answerer: Answerer) -> None:
    report = evaluate(read_cases(REPO / "faq" / "regression.tsv"), answerer.answer)
    assert report.harmful == []
    assert [o.case.question for o in report.outcomes if o.case.category == "faq" and not o.correct] == []


@pytest.fixture(scope="module", params=["paraphrases.tsv"] + [f"paraphrases-{n}.tsv" for n in (*range(2, 13), *range(15, 34), *range(35, 41), 42, 43, 44, *range(46, 49), 50, 51, *range(54, 57), 58, 59)])
def paraphrases(request, answerer: Answerer):
    return evaluate(read_cases(DATA / request.param), answerer.answer)


def share(report, category: str, attribute: str) -> float:
    rows = [o for o in report.outcomes if o.case.category == category]
    return sum(getattr(o, attribute) for o in rows) / len(rows)


def test_paraphrases_meet_the_quality_bar(paraphrases) -> None:
    assert share(paraphrases, "faq", "correct") >= 0.95
    assert share(paraphrases, "faq", "resolved") >= 0.98
    assert share(paraphrases, "hard", "correct") >= 0.75
    in_scope = [o for o in paraphrases.outcomes if o.in_scope]
    assert sum(o.wrong_answer for o in in_scope) / len(in_scope) <= 0.01
    out_of_scope = [o for o in paraphrases.outcomes if o.case.category in ("oos", "near")]
    assert sum(not o.wrong_answer for o in out_of_scope) / len(out_of_scope) >= 0.97
    assert all(o.correct for o in paraphrases.outcomes if o.case.category == "urgent")
