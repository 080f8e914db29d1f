"""How fast is one answer?  `answer()` against a bare rapidfuzz extractOne over the same phrasings.

Run:  .venv/bin/python bench/match_speed.py            (real FAQ + 10,000 phrasings)
      .venv/bin/python bench/match_speed.py --sizes 1000 10000 100000   (the growth curve)

For each FAQ size it prints the median time of one `Answerer.answer()` call and of one
`rapidfuzz.process.extractOne(question, phrasings, scorer=fuzz.ratio)` over the same
phrasings (already normalised, so the baseline does the least possible work), their ratio,
the time to load the FAQ, and the memory the loaded FAQ takes (growth of the process's
resident set while it loads). Larger FAQs are synthesised from the real one: each new
entry takes a real entry's phrasings with a distinct suffix, so the index grows the way a
staff-extended FAQ would.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.answering import Answerer  # noqa: E402

QUESTIONS = [
    "エクソソームとは何ですか",
    "ｴｸｿｿｰﾑの副作用は？",
    "にきびにききますか",
    "授乳中でも受けられますか",
    "料金を教えてください",
    "30代です。最近ほうれい線が気になってきて、エクソソームで良くなるのか知りたいです",
    "ボトックスの料金はいくらですか",
    "今日の天気は？",
]
SUFFIXES = ["について", "の件", "のこと", "に関して", "の話", "の質問", "のご相談", "の詳細"]


def synthesise(faq_dir: Path, target_phrasings: int, out_dir: Path) -> Path:
    """A copy of the FAQ grown to about `target_phrasings` phrasings."""
    shutil.copytree(faq_dir, out_dir)
    entries = yaml.safe_load((faq_dir / "entries.yaml").read_text(encoding="utf-8"))
    real = sum(len(e["phrasings"]) + 1 for e in entries)
    rng = random.Random(7)
    grown = list(entries)
    number = 0
    while real < target_phrasings:
        base = rng.choice(entries)
        tag = f"{SUFFIXES[number % len(SUFFIXES)]}{number}"
        grown.append(
            {
                "id": f"extra-{number}",
                "question": base["question"] + tag,
                "phrasings": [p + tag for p in base["phrasings"]],
                "answer": base["answer"],
                "related": [],
            }
        )
        real += len(base["phrasings"]) + 1
        number += 1
    (out_dir / "entries.yaml").write_text(yaml.safe_dump(grown, allow_unicode=True), encoding="utf-8")
    return out_dir


def rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def median_seconds(call, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(answerer: Answerer, repeats: int) -> tuple[int, float, float]:
    phrasings = answerer.index._doc_surfaces
    normalised = [answerer.normaliser.normalise(q).surface for q in QUESTIONS]
    for q in QUESTIONS:  # warm caches and per-thread tokenizers
        answerer.answer(q)
    ours = statistics.median(median_seconds(lambda q=q: answerer.answer(q), repeats) for q in QUESTIONS)
    bare = statistics.median(
        median_seconds(lambda q=q: process.extractOne(q, phrasings, scorer=fuzz.ratio), repeats) for q in normalised
    )
    return len(phrasings), ours, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000], help="synthesised FAQ sizes in phrasings")
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    rows = []
    before = rss_mb()
    start = time.perf_counter()
    real = Answerer.from_directory(REPO / "faq")
    load = time.perf_counter() - start
    rows.append(("real FAQ", len(real.knowledge.entries), *measure(real, args.repeats), load, rss_mb() - before))
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            faq = synthesise(REPO / "faq", size, Path(tmp) / f"faq-{size}")
            before = rss_mb()
            start = time.perf_counter()
            grown = Answerer.from_directory(faq)
            load = time.perf_counter() - start
            grown_mb = rss_mb() - before
            rows.append((f"{size:,} phrasings", len(grown.knowledge.entries), *measure(grown, max(5, args.repeats // 3)), load, grown_mb))
            del grown

    print(f"{'FAQ':<20}{'entries':>8}{'phrasings':>10}{'answer() ms':>13}{'extractOne ms':>15}{'ratio':>7}{'load s':>8}{'memory MB':>11}")
    for name, entries, phrasings, ours, bare, load, memory in rows:
        print(f"{name:<20}{entries:>8}{phrasings:>10}{ours * 1000:>13.3f}{bare * 1000:>15.3f}{ours / bare:>7.1f}{load:>8.2f}{memory:>11.0f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB (the real FAQ's memory includes SudachiPy's dictionary)")


if __name__ == "__main__":
    main()
