"""Scoring the bot on a labelled file (question, expect, category), as `faqbot eval` prints it."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .answering import Answer

FALLBACK = "@fallback"
URGENT = "@urgent"


class EvalFileError(ValueError):
    """The labelled file is not in the expected format."""


@dataclass(frozen=True)
class Case:
    question: str
    expect: tuple[str, ...]  # entry ids, or ("@fallback",) / ("@urgent",)
    category: str
    line: int


@dataclass(frozen=True)
class Outcome:
    case: Case
    kind: str
    entry_id: str | None
    candidates: tuple[str, ...]

    @property
    def in_scope(self) -> bool:
        return self.case.expect[0] not in (FALLBACK, URGENT)

    @property
    def correct(self) -> bool:
        if self.case.expect == (URGENT,):
            return self.kind == "urgent"
        if self.case.expect == (FALLBACK,):
            return self.kind != "answer" and self.kind != "urgent"
        return self.kind == "answer" and self.entry_id in self.case.expect

    @property
    def resolved(self) -> bool:
        """Right answer, or the right entry among the suggestions."""
        if self.correct:
            return True
        return self.in_scope and self.kind == "suggest" and any(c in self.case.expect for c in self.candidates)

    @property
    def wrong_answer(self) -> bool:
        return self.kind == "answer" and self.entry_id not in self.case.expect

    @property
    def harmful(self) -> bool:
        """The misses that fail `faqbot eval`: a missed urgent message, or an FAQ answer where none belongs."""
        if self.case.expect == (URGENT,):
            return self.kind != "urgent"
        return self.case.expect == (FALLBACK,) and self.kind == "answer"


@dataclass
class CategoryResult:
    total: int = 0
    correct: int = 0
    resolved: int = 0
    wrong: int = 0
    fallback: int = 0
    suggest: int = 0
    urgent: int = 0


@dataclass
class Report:
    outcomes: list[Outcome]
    categories: dict[str, CategoryResult] = field(default_factory=dict)

    @property
    def harmful(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.harmful]

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]


def read_cases(path: Path) -> list[Case]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise EvalFileError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise EvalFileError(f"{path}: not UTF-8 text") from None
    rows = list(csv.reader(text.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))
    if not rows or [c.strip().lower() for c in rows[0][:3]] != ["question", "expect", "category"]:
        raise EvalFileError(f"{path}:1: the first line must be the header: question<TAB>expect<TAB>category")
    cases = []
    for number, row in enumerate(rows[1:], start=2):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise EvalFileError(f"{path}:{number}: need at least a question and an expected id, separated by a tab")
        expect = tuple(e.strip() for e in row[1].split("|") if e.strip())
        category = row[2].strip() if len(row) > 2 and row[2].strip() else "default"
        cases.append(Case(row[0].strip(), expect, category, number))
    return cases


def unknown_ids(cases: Iterable[Case], known: set[str]) -> list[str]:
    problems = []
    for case in cases:
        for expected in case.expect:
            if expected not in (FALLBACK, URGENT) and expected not in known:
                problems.append(f"line {case.line}: unknown entry id '{expected}'")
    return problems


def evaluate(cases: Iterable[Case], answer: Callable[[str], Answer]) -> Report:
    report = Report([])
    for case in cases:
        result = answer(case.question)
        outcome = Outcome(case, result.kind, result.entry_id, tuple(c.id for c in result.candidates))
        report.outcomes.append(outcome)
        stats = report.categories.setdefault(case.category, CategoryResult())
        stats.total += 1
        stats.correct += outcome.correct
        stats.resolved += outcome.resolved
        stats.wrong += outcome.wrong_answer
        stats.fallback += result.kind == "fallback"
        stats.suggest += result.kind == "suggest"
        stats.urgent += result.kind == "urgent"
    return report


def format_report(report: Report) -> str:
    header = f"{'category':<12}{'rows':>6}{'correct':>9}{'resolved':>10}{'wrong':>7}{'suggest':>9}{'fallback':>10}{'urgent':>8}"
    lines = [header, "-" * len(header)]
    totals = CategoryResult()
    for name, s in sorted(report.categories.items()):
        lines.append(_row(name, s))
        for attr in vars(totals):
            setattr(totals, attr, getattr(totals, attr) + getattr(s, attr))
    lines.append("-" * len(header))
    lines.append(_row("all", totals))
    misses = report.misses
    if misses:
        lines.append("")
        lines.append(f"misses ({len(misses)}):")
        for o in misses:
            got = o.kind + (f" {o.entry_id}" if o.entry_id else "")
            if o.kind in ("suggest", "fallback") and o.candidates:
                got += " [" + ", ".join(o.candidates) + "]"
            mark = "!!" if o.harmful else "  "
            lines.append(f"{mark} line {o.case.line} [{o.case.category}] {o.case.question}  expected {'|'.join(o.case.expect)}, got {got}")
    harmful = report.harmful
    lines.append("")
    lines.append(
        f"harmful misses (missed urgent, or an FAQ answer to an out-of-scope question): {len(harmful)}"
    )
    return "\n".join(lines)


def _row(name: str, s: CategoryResult) -> str:
    def pct(n: int) -> str:
        return f"{100 * n / s.total:.0f}%" if s.total else "-"

    return (
        f"{name:<12}{s.total:>6}{pct(s.correct):>9}{pct(s.resolved):>10}{s.wrong:>7}"
        f"{s.suggest:>9}{s.fallback:>10}{s.urgent:>8}"
    )
