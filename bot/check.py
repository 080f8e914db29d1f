"""`faqbot check`: every problem in the FAQ files, with file and line."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

from .answering import Answerer
from .faq import ENTRIES_FILE, REQUIRED_IDS, SETTINGS_FILE, load_knowledge
from .yamlfile import FaqFileError, Problem

_TOPIC_ROW = re.compile(r"^\|\s*([a-z0-9-]+)\s*\|")


def required_topics(topics_file: Path) -> list[str]:
    """Topic ids from the table in faq-topics.md."""
    ids = []
    for line in topics_file.read_text(encoding="utf-8").splitlines():
        match = _TOPIC_ROW.match(line)
        if match and match.group(1) != "id":
            ids.append(match.group(1))
    return ids


def check_directory(directory: Path, *, topics_file: Path | None = None, environ: dict[str, str] | None = None) -> list[Problem]:
    """Errors and warnings for the FAQ directory; an empty list means all is well."""
    try:
        knowledge = load_knowledge(directory, environ=environ)
    except FaqFileError as exc:
        return exc.problems
    problems: list[Problem] = list(knowledge.warnings)
    try:
        Answerer(knowledge)
    except FaqFileError as exc:
        problems += exc.problems
    settings_path = str(directory / SETTINGS_FILE)
    settings = knowledge.settings
    for name in ("booking_url", "menu_url"):
        url = getattr(settings, name)
        parsed = urlparse(url)
        if parsed.scheme != "https" or not parsed.netloc or len(url) > 1000:
            problems.append(Problem(settings_path, 0, f"'{name}' must be an https:// URL of at most 1000 characters (LINE buttons accept no other), got '{url}'"))
    if not any(ch.isdigit() for ch in settings.phone):
        problems.append(Problem(settings_path, 0, f"'phone' has no digits: '{settings.phone}'"))
    for name in settings.placeholders():
        problems.append(Problem(settings_path, 0, f"'{name}' is still a placeholder: replace it with the clinic's real value", "warning"))
    topics = required_topics(topics_file) if topics_file is not None else list(REQUIRED_IDS)
    ids = {e.id for e in knowledge.entries}
    for topic in topics:
        if topic not in ids:
            source = topics_file.name if topics_file is not None else "the article's topic list"
            problems.append(Problem(str(directory / ENTRIES_FILE), 0, f"topic '{topic}' of {source} has no entry"))
    return problems
