"""The curated FAQ: entries, synonyms and settings loaded from the staff-edited files."""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from pathlib import Path

from .normalize import Normaliser, SynonymTable, clean, fold_kana
from .settings import Settings, load_settings
from .yamlfile import FaqFileError, Located, Problem, load_yaml

ENTRIES_FILE = "entries.yaml"
SYNONYMS_FILE = "synonyms.yaml"
SETTINGS_FILE = "settings.yaml"
FAQ_FILES = (ENTRIES_FILE, SYNONYMS_FILE, SETTINGS_FILE)

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
# Placeholders an answer may use; filled from settings when the reply is composed.
ANSWER_FIELDS = {"clinic_name", "booking_url", "menu_url", "phone", "hours"}
# Words 医療広告ガイドライン rules out: guarantees, rankings, 再生医療 / approval claims.
FORBIDDEN_WORDS = (
    "絶対", "必ず", "確実", "完治", "100%", "１００％", "No.1", "ナンバーワン", "日本一", "業界一",
    "最高", "最安", "他院", "再生医療", "厚労省", "厚生労働省", "認可", "承認", "体験談",
)
# The topics of the clinic's article; evaluation files name them, so they must stay.
REQUIRED_IDS = (
    "exosome-what", "exosome-function", "supernatant-what", "exosome-vs-supernatant",
    "supernatant-ingredients", "medium-vs-supernatant", "stem-cell-what", "exosome-origin",
    "exosome-beauty", "spots-wrinkles", "dullness-texture", "acne", "supernatant-effects",
    "side-effects", "allergy", "drug-interaction", "pregnancy", "treatment-menu", "booking",
)
LABEL_MAX = 20  # LINE's limit for quick-reply and button labels
LONG_ANSWER_CHARS = 400  # beyond this an answer stops being readable on a phone
MAX_TEXT_CHARS = 5000  # LINE's limit for one text message


@dataclass(frozen=True)
class Entry:
    id: str
    question: str
    phrasings: tuple[str, ...]
    answer: str
    related: tuple[str, ...]
    line: int = 0
    label: str = ""  # short text for chips and buttons (≤ 20 characters)
    safety: bool = False  # answers that keep a patient safe win close calls

    def answer_text(self, settings: Settings) -> str:
        return self.answer.format(
            clinic_name=settings.clinic_name,
            booking_url=settings.booking_url,
            menu_url=settings.menu_url,
            phone=settings.phone,
            hours=settings.hours,
        )


@dataclass(frozen=True)
class Knowledge:
    """Everything the answering core needs, loaded once and swapped as a whole."""

    entries: tuple[Entry, ...]
    synonyms: SynonymTable
    settings: Settings
    version: str
    directory: Path
    warnings: tuple[Problem, ...] = ()

    def entry(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    @property
    def _by_id(self) -> dict[str, Entry]:
        cache = self.__dict__.get("_by_id_cache")
        if cache is None:
            cache = {e.id: e for e in self.entries}
            object.__setattr__(self, "_by_id_cache", cache)
        return cache


def load_knowledge(directory: Path | str, *, environ: dict[str, str] | None = None) -> Knowledge:
    """Load and validate the FAQ directory; raise `FaqFileError` listing every error."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FaqFileError([Problem(str(directory), 0, "FAQ directory not found")])
    entries, entry_problems = load_entries(directory / ENTRIES_FILE)
    synonyms, synonym_problems = load_synonyms(directory / SYNONYMS_FILE)
    settings, settings_problems = load_settings(directory / SETTINGS_FILE)
    problems = entry_problems + synonym_problems + settings_problems
    if settings is not None:
        problems += _check_length(directory / ENTRIES_FILE, entries, settings)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise FaqFileError(errors)
    assert settings is not None and synonyms is not None
    return Knowledge(
        entries=tuple(entries),
        synonyms=synonyms,
        settings=settings.with_environment(environ),
        version=files_version(directory),
        directory=directory,
        warnings=tuple(p for p in problems if p.severity != "error"),
    )


def files_version(directory: Path) -> str:
    """A short content hash of the FAQ files: what /healthz and the logs call the version."""
    digest = hashlib.sha256()
    for name in FAQ_FILES:
        path = directory / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:12]


def load_entries(path: Path) -> tuple[list[Entry], list[Problem]]:
    data, problems = load_yaml(path)
    if problems:
        return [], problems
    where = str(path)
    if not isinstance(data.value, list):
        return [], [Problem(where, data.line, "entries must be a list of '- id: ...' items")]
    entries: list[Entry] = []
    warnings: list[Problem] = []
    seen: dict[str, int] = {}
    # Ids of entries with errors still count as existing, so one mistake is reported once.
    declared = {
        str(item.value["id"].value) for item in data.value if isinstance(item.value, dict) and "id" in item.value
    }
    for item in data.value:
        entry, entry_problems = _entry(where, item)
        problems += [p for p in entry_problems if p.severity == "error"]
        warnings += [p for p in entry_problems if p.severity != "error"]
        if entry is None:
            continue
        if entry.id in seen:
            problems.append(Problem(where, entry.line, f"duplicate id '{entry.id}' (first at line {seen[entry.id]})"))
            continue
        seen[entry.id] = entry.line
        entries.append(entry)
    for entry in entries:
        for related in entry.related:
            if related not in declared:
                problems.append(Problem(where, entry.line, f"'{entry.id}': related id '{related}' does not exist"))
            elif related == entry.id:
                problems.append(Problem(where, entry.line, f"'{entry.id}' lists itself as related"))
    return entries, problems + warnings


def _entry(where: str, item: Located) -> tuple[Entry | None, list[Problem]]:
    if not isinstance(item.value, dict):
        return None, [Problem(where, item.line, "each entry must be a mapping with id, question, phrasings, answer")]
    fields = item.value
    problems: list[Problem] = []
    known = {"id", "question", "phrasings", "answer", "related", "label", "safety"}
    for name in fields:
        if name not in known:
            problems.append(Problem(where, fields[name].line, f"unknown field '{name}' (expected one of {', '.join(sorted(known))})"))

    def text(name: str) -> str:
        value = fields.get(name)
        if value is None:
            problems.append(Problem(where, item.line, f"missing field '{name}'"))
            return ""
        if not isinstance(value.value, (str, int)) or not str(value.value).strip():
            problems.append(Problem(where, value.line, f"'{name}' must be non-empty text"))
            return ""
        return str(value.value).strip()

    def texts(name: str, required: bool) -> tuple[str, ...]:
        value = fields.get(name)
        if value is None:
            if required:
                problems.append(Problem(where, item.line, f"missing field '{name}'"))
            return ()
        if not isinstance(value.value, list):
            problems.append(Problem(where, value.line, f"'{name}' must be a list"))
            return ()
        out = []
        for element in value.value:
            if not isinstance(element.value, (str, int)) or not str(element.value).strip():
                problems.append(Problem(where, element.line, f"'{name}' items must be non-empty text"))
            else:
                out.append(str(element.value).strip())
        return tuple(out)

    entry_id = text("id")
    if entry_id and not ID_PATTERN.match(entry_id):
        problems.append(Problem(where, fields["id"].line, f"id '{entry_id}' must be lower-case letters, digits and '-' (at most 40)"))
    question = text("question")
    answer = join_lines(text("answer"))
    phrasings = texts("phrasings", required=True)
    related = texts("related", required=False)
    label = str(fields["label"].value).strip() if "label" in fields and fields["label"].value is not None else ""
    if len(label) > LABEL_MAX:
        problems.append(Problem(where, fields["label"].line, f"label of '{entry_id}' is {len(label)} characters; LINE shows at most {LABEL_MAX}"))
    answer_line = fields["answer"].line if "answer" in fields else item.line
    problems += _check_answer(where, answer_line, entry_id, answer)
    for word in FORBIDDEN_WORDS:
        if word in question:
            problems.append(Problem(where, fields["question"].line, f"question of '{entry_id}' contains '{word}' (医療広告ガイドライン)"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    safety = fields["safety"].value if "safety" in fields else False
    if not isinstance(safety, bool):
        problems.append(Problem(where, fields["safety"].line, f"'safety' of '{entry_id}' must be true or false"))
        return None, problems
    return Entry(entry_id, question, phrasings, answer, related, item.line, label, safety), problems


def join_lines(text: str) -> str:
    """Folded YAML puts a space where a line broke; Japanese wants none between its characters."""
    text = " ".join(text.split())
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", text)


def _check_answer(where: str, line: int, entry_id: str, answer: str) -> list[Problem]:
    problems = []
    for word in FORBIDDEN_WORDS:
        if word in answer:
            problems.append(Problem(where, line, f"answer of '{entry_id}' contains '{word}' (医療広告ガイドライン)"))
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(answer) if name is not None}
    except ValueError as exc:
        return problems + [Problem(where, line, f"answer of '{entry_id}': bad {{...}} placeholder ({exc})")]
    for name in names - ANSWER_FIELDS:
        problems.append(Problem(where, line, f"answer of '{entry_id}' uses unknown placeholder {{{name}}} (known: {', '.join(sorted(ANSWER_FIELDS))})"))
    if len(answer) > LONG_ANSWER_CHARS:
        problems.append(Problem(where, line, f"answer of '{entry_id}' is {len(answer)} characters; over {LONG_ANSWER_CHARS} is hard to read on a phone", "warning"))
    return problems


def _check_length(path: Path, entries: list[Entry], settings: Settings) -> list[Problem]:
    problems = []
    for entry in entries:
        total = len(entry.answer_text(settings)) + len(settings.disclaimer) + 2
        if total > MAX_TEXT_CHARS:
            problems.append(Problem(str(path), entry.line, f"answer of '{entry.id}' with the disclaimer is {total} characters; LINE allows {MAX_TEXT_CHARS}"))
    return problems


def load_synonyms(path: Path) -> tuple[SynonymTable | None, list[Problem]]:
    data, problems = load_yaml(path)
    if problems:
        return None, problems
    where = str(path)
    if not isinstance(data.value, dict):
        return None, [Problem(where, data.line, "synonyms file must have 'groups:' (and optionally 'other_topics:' and 'other_clinics:')")]
    groups: list[list[str]] = []
    claimed: dict[str, tuple[str, int]] = {}
    groups_item = data.value.get("groups")
    if groups_item is not None and not isinstance(groups_item.value, list):
        problems.append(Problem(where, groups_item.line, "'groups' must be a list of [word, variant, ...] lists"))
    for group in groups_item.value if groups_item and isinstance(groups_item.value, list) else []:
        if not isinstance(group.value, list) or len(group.value) < 2:
            problems.append(Problem(where, group.line, "each group must list a word and at least one variant"))
            continue
        words = [str(w.value).strip() for w in group.value if w.value is not None and str(w.value).strip()]
        for word in words:
            key = _fold_key(word)
            if key in claimed and claimed[key][0] != words[0]:
                problems.append(Problem(where, group.line, f"'{word}' is already a variant of '{claimed[key][0]}' (line {claimed[key][1]})"))
            claimed.setdefault(key, (words[0], group.line))
        groups.append(words)
    other_topics = _word_list(data.value.get("other_topics"), "other_topics", where, claimed, problems)
    other_clinics = _word_list(data.value.get("other_clinics"), "other_clinics", where, claimed, problems)
    if problems:
        return None, problems
    return SynonymTable(groups, other_topics, other_clinics), []


def _word_list(item, key: str, where: str, claimed: dict[str, tuple[str, int]], problems: list[Problem]) -> list[str]:
    """A plain list of words under `key` that no synonym group claims."""
    words: list[str] = []
    if item is None:
        return words
    if not isinstance(item.value, list):
        problems.append(Problem(where, item.line, f"'{key}' must be a list of words"))
        return words
    for entry in item.value:
        word = str(entry.value).strip() if entry.value is not None else ""
        if not word:
            problems.append(Problem(where, entry.line, f"empty word in '{key}'"))
        elif _fold_key(word) in claimed:
            problems.append(Problem(where, entry.line, f"'{word}' is both in '{key}' and a synonym of '{claimed[_fold_key(word)][0]}'"))
        else:
            words.append(word)
    return words


def _fold_key(word: str) -> str:
    return fold_kana(clean(word))


def phrasing_conflicts(knowledge: Knowledge, normaliser: Normaliser) -> list[Problem]:
    """Phrasings that normalise to the same text in two different entries, or that name an other topic."""
    path = str(knowledge.directory / ENTRIES_FILE)
    owner: dict[str, str] = {}
    problems = []
    for entry in knowledge.entries:
        for text in (entry.question, *entry.phrasings):
            normalised = normaliser.normalise(text)
            key = normalised.surface
            if normalised.other_topics:
                problems.append(Problem(path, entry.line, f"phrasing '{text}' of '{entry.id}' names '{normalised.other_topics[0]}', listed in other_topics of {SYNONYMS_FILE}: questions like it are never answered; remove the word from other_topics"))
            if not key:
                continue
            other = owner.setdefault(key, entry.id)
            if other != entry.id:
                problems.append(Problem(path, entry.line, f"phrasing '{text}' of '{entry.id}' is the same as one of '{other}' after normalisation"))
    return problems
