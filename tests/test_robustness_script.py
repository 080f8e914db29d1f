"""eval/robustness.py: the same questions typed another way, measured against how they were written."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.evaluation import read_cases  # noqa: E402
from eval.robustness import main, measure, variants  # noqa: E402

DEV = REPO / "tests" / "data" / "dev.tsv"


def test_typing_a_question_the_same_way_keeps_every_answer(answerer) -> None:
    result = measure(answerer, read_cases(DEV), lambda q: q)
    assert result.in_scope == 57 and result.kept == 57 and result.turned_wrong == 0
    assert result.out_of_scope == 15 and result.answered == 0


def test_a_variant_counts_what_it_changes(answerer) -> None:
    # Every question replaced by a greeting: no in-scope answer survives, nothing is answered.
    result = measure(answerer, read_cases(DEV), lambda q: "こんにちは")
    assert result.kept == 0 and result.turned_wrong == 0 and result.answered == 0
    assert len(result.misses) == result.in_scope == 57


def test_half_width_kana_and_hiragana_spellings(answerer) -> None:
    spell = variants()
    assert spell["half-width kana"]("エクソソーム") == "ｴｸｿｿｰﾑ"
    assert spell["hiragana only"]("幹細胞とは") == "かんさいぼうとは"
    assert spell["hiragana only"]("上清液とは") is None  # SudachiPy reads 上清 as no patient types it


def test_the_report_names_every_variant(capsys) -> None:
    assert main([str(DEV)]) == 0
    out = capsys.readouterr().out
    for name in variants():
        assert name in out
