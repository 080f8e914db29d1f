"""`faqbot report`: what staff should add next, from the question log of a period.

Unanswered (fallback) and "もしかして" (suggest) questions are grouped by similarity of
their normalised text, most frequent first. Each group names the nearest existing entry
and suggests adding the phrasing to it, or writing a new entry.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Sequence

from rapidfuzz import fuzz, process

from .answering import Answerer
from .store import QuestionRow

JST = timezone(timedelta(hours=9), "JST")  # Japan has no daylight saving time
GROUP_KINDS = ("fallback", "suggest")
KIND_ORDER = ("answer", "suggest", "fallback", "urgent", "handoff")
CSV_HEADER = ("group", "count", "examples", "nearest_entry", "nearest_score", "suggestion")
SIMILARITY = 70.0  # fuzz.ratio of two normalised questions to count as the same question
EXAMPLES = 3
NEW_ENTRY = "new entry"


@dataclass(frozen=True)
class Group:
    count: int
    examples: tuple[str, ...]  # most frequent first
    nearest_entry: str | None
    nearest_score: float
    suggestion: str


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    total: int
    kind_counts: dict[str, int]
    top_entries: list[tuple[str, int]]
    groups: list[Group]
    entry_questions: dict[str, str]  # id → question, for reading the ids


def group_texts(texts: Iterable[str], *, threshold: float = SIMILARITY,
                scorer: Callable[..., float] = fuzz.ratio) -> list[Counter[str]]:
    """Greedy clustering: each distinct text, most frequent first, joins the group whose
    leading text is most similar (at least `threshold`), or starts a new group."""
    counts = Counter(t for t in texts if t)
    leaders: list[str] = []
    groups: list[Counter[str]] = []
    for text, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        best = process.extractOne(text, leaders, scorer=scorer, score_cutoff=threshold) if leaders else None
        if best is None:
            leaders.append(text)
            groups.append(Counter({text: count}))
        else:
            groups[best[2]][text] += count
    return sorted(groups, key=lambda g: (-g.total(), g.most_common(1)[0][0]))


def build_report(rows: Sequence[QuestionRow], *, since: datetime, until: datetime,
                 answerer: Answerer | None = None, threshold: float = SIMILARITY,
                 alternate_score: float | None = None, top: int = 10) -> Report:
    """`answerer` (the current FAQ) names entries, drops deleted ones, and spots groups the
    FAQ answers by now; without it the report relies on what was logged."""
    if alternate_score is None:
        alternate_score = answerer.settings.thresholds.suggest_score if answerer else 40.0
    known = {e.id: e.question for e in answerer.knowledge.entries} if answerer else {}
    kinds = Counter(r.kind for r in rows)
    answered = Counter(r.entry_id for r in rows if r.kind == "answer" and r.entry_id)
    top_entries = sorted(answered.items(), key=lambda item: (-item[1], item[0]))[:top]

    unanswered = [r for r in rows if r.kind in GROUP_KINDS and r.normalised_text]
    rows_by_text: dict[str, list[QuestionRow]] = defaultdict(list)
    for row in unanswered:
        rows_by_text[row.normalised_text].append(row)
    groups = []
    for texts in group_texts((r.normalised_text for r in unanswered), threshold=threshold):
        members = [row for text in texts for row in rows_by_text[text]]
        examples = tuple(text for text, _ in texts.most_common(EXAMPLES))
        nearest, score = _nearest(members, known if answerer else None)
        suggestion = NEW_ENTRY
        if answerer is not None:
            now = answerer.answer(examples[0])
            if now.kind == "answer" and now.entry_id:
                nearest, score = now.entry_id, now.score
                suggestion = f"already answered by {now.entry_id} in the current FAQ"
            elif nearest is None and now.candidates:
                nearest, score = now.candidates[0].id, now.candidates[0].score
        if suggestion == NEW_ENTRY and nearest is not None and score >= alternate_score:
            suggestion = f"add as an alternate phrasing of {nearest}"
        groups.append(Group(texts.total(), examples, nearest, round(score, 1), suggestion))
    return Report(since, until, len(rows), dict(kinds), top_entries, groups, known)


def _nearest(rows: Sequence[QuestionRow], known: dict[str, str] | None) -> tuple[str | None, float]:
    """The entry the logged candidates point at most strongly across the group."""
    total: dict[str, float] = defaultdict(float)
    seen: Counter[str] = Counter()
    for row in rows:
        for entry_id, score in row.candidates:
            if known is None or entry_id in known:
                total[entry_id] += score
                seen[entry_id] += 1
    if not total:
        return None, 0.0
    best = max(sorted(total), key=lambda entry_id: total[entry_id])
    return best, total[best] / seen[best]


def _day(moment: datetime) -> str:
    return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def format_text(report: Report) -> str:
    lines = [f"Question log {_day(report.since)} to {_day(report.until)} (JST): {report.total} message(s)"]
    if not report.total:
        return lines[0] + "\nNothing was logged in this period.\n"
    lines += ["", "Share of each kind:"]
    order = [k for k in KIND_ORDER if k in report.kind_counts] + sorted(set(report.kind_counts) - set(KIND_ORDER))
    for kind in order:
        count = report.kind_counts[kind]
        lines.append(f"  {kind:<9} {count:>6}  {100 * count / report.total:5.1f}%")
    lines += ["", "Most asked entries:"]
    if not report.top_entries:
        lines.append("  (none answered)")
    for entry_id, count in report.top_entries:
        lines.append(f"  {count:>6}  {entry_id}  {report.entry_questions.get(entry_id, '')}".rstrip())
    lines += ["", "What to add next (unanswered and suggested questions, similar ones grouped):"]
    if not report.groups:
        lines.append("  (nothing: every question was answered)")
    for number, group in enumerate(report.groups, 1):
        lines.append(f"  {number:>3}. {group.count} × {' / '.join(group.examples)}")
        if group.nearest_entry:
            question = report.entry_questions.get(group.nearest_entry, "")
            lines.append(f"       nearest: {group.nearest_entry} ({group.nearest_score:g}) {question}".rstrip())
        lines.append(f"       → {group.suggestion}")
    return "\n".join(lines) + "\n"


def csv_text(report: Report) -> str:
    """The groups as CSV (header `CSV_HEADER`); examples joined with ' / '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for number, group in enumerate(report.groups, 1):
        writer.writerow([number, group.count, " / ".join(group.examples), group.nearest_entry or "",
                         f"{group.nearest_score:g}" if group.nearest_entry else "", group.suggestion])
    return out.getvalue()


def csv_bytes(report: Report) -> bytes:
    """UTF-8 with a BOM, so Excel shows the Japanese correctly."""
    return csv_text(report).encode("utf-8-sig")
