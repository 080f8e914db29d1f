"""How answers hold up when the same questions are typed another way.

Run:  .venv/bin/python eval/robustness.py                  (every labelled file in tests/data)
      .venv/bin/python eval/robustness.py FILE.tsv ...     (chosen files)
      .venv/bin/python eval/robustness.py --show 5         (and 5 examples of each kind of miss)

Each in-scope question the bot answers correctly as written, and each out-of-scope question it
does not answer, is typed again in several ways real patients type: in hiragana only, in
half-width katakana, after a neutral self-introduction, after a concern told as context, and
with a sign-off. For each way the report gives how many in-scope questions keep their right
answer, how many turn into a wrong answer, and how many out-of-scope questions get an answer.

The hiragana spelling comes from SudachiPy's readings, which are sometimes not what a person
would type (上清 read うえきよ, 施術 read しじゅつ): questions with those words are left out of
that variant.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import jaconv
from sudachipy import SplitMode

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.answering import Answerer  # noqa: E402
from bot.evaluation import FALLBACK, URGENT, Case, read_cases  # noqa: E402
from bot.normalize import fold_kana, sudachi_dictionary  # noqa: E402

# Words SudachiPy reads differently from how patients spell them in kana.
_MISREAD = ("上清", "施術", "幹細胞培養", "膿", "寒気", "失神")


def _hiragana() -> Callable[[str], str | None]:
    tokenizer = sudachi_dictionary().tokenizer(SplitMode.C)

    def spell(text: str) -> str | None:
        if any(word in text for word in _MISREAD):
            return None
        return "".join(
            fold_kana(m.reading_form()) if m.reading_form() and not m.is_oov() and m.reading_form() != "キゴウ" else m.surface()
            for m in tokenizer.tokenize(text)
        )

    return spell


def variants() -> dict[str, Callable[[str], str | None]]:
    """Each way of typing: a function from the question to its new spelling (None: skip it)."""
    return {
        "hiragana only": _hiragana(),
        "half-width kana": lambda q: jaconv.z2h(q, kana=True, ascii=True, digit=True),
        "after a self-introduction": lambda q: "はじめまして。30代の会社員です。インスタで見て連絡しました。" + q,
        "after a concern (シミ)": lambda q: "最近シミが気になっていて。" + q,
        "with a sign-off": lambda q: q + "仕事が忙しいのですが、よろしくお願いします。",
    }


@dataclass
class Result:
    kept: int = 0
    in_scope: int = 0
    turned_wrong: int = 0
    answered: int = 0
    out_of_scope: int = 0
    misses: list[str] = field(default_factory=list)


def measure(answerer: Answerer, cases: list[Case], variant: Callable[[str], str | None]) -> Result:
    result = Result()
    for case in cases:
        if case.expect == (URGENT,):
            continue  # the urgent guard has its own stress set
        as_written = answerer.answer(case.question)
        out_of_scope = case.expect == (FALLBACK,)
        if (as_written.kind == "answer") == out_of_scope or (not out_of_scope and as_written.entry_id not in case.expect):
            continue  # only what the bot gets right as written
        typed = variant(case.question)
        if typed is None:
            continue
        reply = answerer.answer(typed)
        if out_of_scope:
            result.out_of_scope += 1
            if reply.kind == "answer":
                result.answered += 1
                result.misses.append(f"answered {reply.entry_id}: {typed}")
            continue
        result.in_scope += 1
        if reply.kind == "answer" and reply.entry_id in case.expect:
            result.kept += 1
        else:
            result.turned_wrong += reply.kind == "answer"
            result.misses.append(f"{reply.kind} {reply.entry_id or ''} (want {'|'.join(case.expect)}): {typed}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, help="labelled TSV files (default: tests/data/*.tsv)")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="print N misses of each variant")
    args = parser.parse_args(argv)
    files = args.files or sorted((REPO / "tests" / "data").glob("*.tsv"))
    cases = [case for path in files for case in read_cases(path)]
    answerer = Answerer.from_directory(REPO / "faq")
    print(f"{len(cases)} labelled questions from {len(files)} file(s)")
    print(f"{'typed':<28}{'in scope kept':>16}{'turned wrong':>14}{'out of scope answered':>24}")
    for name, variant in variants().items():
        r = measure(answerer, cases, variant)
        kept = f"{r.kept}/{r.in_scope} {100 * r.kept / max(r.in_scope, 1):.1f}%"
        answered = f"{r.answered}/{r.out_of_scope} {100 * r.answered / max(r.out_of_scope, 1):.1f}%"
        print(f"{name:<28}{kept:>16}{r.turned_wrong:>14}{answered:>24}")
        for miss in r.misses[: args.show]:
            print(f"    {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
