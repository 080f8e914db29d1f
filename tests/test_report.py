"""`faqbot report`'s library: grouping, nearest entries, suggestions, text and CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.answering import Answerer
from bot.report import CSV_HEADER, NEW_ENTRY, build_report, csv_bytes, format_text, group_texts
from bot.store import Store

NOW = datetime(2025, 5, 20, 3, 0, tzinfo=timezone.utc)
SINCE, UNTIL = NOW - timedelta(days=30), NOW + timedelta(days=1)

# (normalised text, kind, candidates) as the bot logged them.
SEED = [
    *[("ちゅうしゃじょうはあり", "fallback", [("booking", 18.0)])] * 3,
    ("ちゅうしゃじょうある", "fallback", [("booking", 15.0)]),
    ("ちゅうしゃじょうあり", "fallback", []),
    *[("もにたーわりびきはある", "suggest", [("treatment-menu", 52.0), ("booking", 44.0)])] * 2,
    ("もにたーわりびきある", "suggest", [("treatment-menu", 49.0), ("booking", 45.0)]),
    ("もにたーわりびきは", "suggest", [("treatment-menu", 55.0)]),
    ("もにたーのわりびきはある", "suggest", [("treatment-menu", 51.0)]),
    ("ぺっとつれていけ", "fallback", [("booking", 9.0)]),
]


@pytest.fixture
def seeded(sqlite_store: Store) -> Store:
    for number, (text, kind, candidates) in enumerate(SEED):
        sqlite_store.log_question(kind=kind, entry_id=None, score=candidates[0][1] if candidates else 0.0,
                                  candidates=candidates, normalised_text=text, user_hash=f"u{number % 4}",
                                  now=NOW - timedelta(hours=number))
    for entry_id, times in (("side-effects", 4), ("booking", 2), ("exosome-what", 2)):
        for _ in range(times):
            sqlite_store.log_question(kind="answer", entry_id=entry_id, score=90.0, candidates=[(entry_id, 90.0)],
                                      normalised_text="x", user_hash="u9", now=NOW)
    sqlite_store.log_question(kind="urgent", entry_id=None, score=0, candidates=(), normalised_text="", user_hash="u9", now=NOW)
    sqlite_store.log_question(kind="fallback", entry_id=None, score=0, candidates=(), normalised_text="ふるいしつもん",
                              user_hash="u9", now=NOW - timedelta(days=40))  # outside the period
    return sqlite_store


def test_group_texts_joins_near_identical_questions_most_frequent_first() -> None:
    texts = ["ちゅうしゃじょうはあり"] * 3 + ["ちゅうしゃじょうある", "ぺっとつれていけ", "ぺっとつれていける"]
    groups = group_texts(texts)
    assert [dict(g) for g in groups] == [
        {"ちゅうしゃじょうはあり": 3, "ちゅうしゃじょうある": 1},
        {"ぺっとつれていけ": 1, "ぺっとつれていける": 1},
    ]
    assert len(group_texts(texts, threshold=99)) == 4
    assert group_texts(["", ""]) == []


def test_report_groups_and_proposes_the_nearest_entry(seeded: Store) -> None:
    report = build_report(seeded.questions(SINCE, UNTIL), since=SINCE, until=UNTIL)
    assert [g.count for g in report.groups] == [5, 5, 1]
    by_first = {g.examples[0]: g for g in report.groups}
    fees = by_first["もにたーわりびきはある"]
    parking = by_first["ちゅうしゃじょうはあり"]
    pets = by_first["ぺっとつれていけ"]
    assert fees.nearest_entry == "treatment-menu" and fees.nearest_score == pytest.approx((52 + 52 + 49 + 55 + 51) / 5, abs=0.1)
    assert fees.suggestion == "add as an alternate phrasing of treatment-menu"
    assert len(fees.examples) == 3 and len(parking.examples) == 3
    assert parking.nearest_entry == "booking" and parking.suggestion == NEW_ENTRY
    assert pets.count == 1 and pets.suggestion == NEW_ENTRY
    assert report.total == len(SEED) + 9
    assert report.kind_counts == {"fallback": 6, "suggest": 5, "answer": 8, "urgent": 1}
    assert report.top_entries == [("side-effects", 4), ("booking", 2), ("exosome-what", 2)]


def test_the_current_faq_names_entries_and_spots_what_it_answers_by_now(seeded: Store, faq_copy: Path) -> None:
    entries = faq_copy / "entries.yaml"
    entries.write_text(entries.read_text(encoding="utf-8") + """
- id: parking
  question: 駐車場はありますか?
  phrasings:
    - 駐車場
    - ちゅうしゃじょうはあり
  answer: >-
    専用の駐車場はありません。近くのコインパーキングをご利用ください。
""", encoding="utf-8")
    # The clinic now answers parking itself, so it is no longer an other topic.
    synonyms = faq_copy / "synonyms.yaml"
    synonyms.write_text(synonyms.read_text(encoding="utf-8").replace("  - 駐車場\n", ""), encoding="utf-8")
    answerer = Answerer.from_directory(faq_copy)
    report = build_report(seeded.questions(SINCE, UNTIL), since=SINCE, until=UNTIL, answerer=answerer)
    parking = next(g for g in report.groups if g.examples[0] == "ちゅうしゃじょうはあり")
    assert parking.nearest_entry == "parking"
    assert parking.suggestion == "already answered by parking in the current FAQ"
    text = format_text(report)
    assert answerer.knowledge.entry("treatment-menu").question in text


def test_text_report_is_readable(seeded: Store, answerer: Answerer) -> None:
    text = format_text(build_report(seeded.questions(SINCE, UNTIL), since=SINCE, until=UNTIL, answerer=answerer))
    assert f"{len(SEED) + 9} message(s)" in text
    assert "fallback" in text and " 30.0%" in text  # 6 of 20
    assert "side-effects" in text and answerer.knowledge.entry("side-effects").question in text
    assert "1. 5 × " in text and "→ add as an alternate phrasing of treatment-menu" in text
    assert "ふるいしつもん" not in text


def test_empty_period() -> None:
    report = build_report([], since=SINCE, until=UNTIL)
    assert "Nothing was logged" in format_text(report)
    assert list(csv.reader(io.StringIO(csv_bytes(report).decode("utf-8-sig")))) == [list(CSV_HEADER)]


def test_csv_has_a_bom_and_the_documented_header(seeded: Store) -> None:
    data = csv_bytes(build_report(seeded.questions(SINCE, UNTIL), since=SINCE, until=UNTIL))
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0].keys()) == CSV_HEADER == ("group", "count", "examples", "nearest_entry", "nearest_score", "suggestion")
    first = rows[0]
    assert first["group"] == "1" and first["count"] == "5"
    assert len(first["examples"].split(" / ")) == 3
    assert {r["nearest_entry"] for r in rows} == {"treatment-menu", "booking"}
    assert rows[-1]["suggestion"] == NEW_ENTRY
