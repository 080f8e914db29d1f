"""Clinic settings: contact details, disclaimer, matching thresholds, privacy and handoff."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Mapping

from .yamlfile import Located, Problem, load_yaml

PLACEHOLDER_MARKERS = ("【要設定】", "CHANGE-ME")

# Settings a deployment may override from the environment (platform config vars).
ENV_OVERRIDES = {
    "CLINIC_NAME": "clinic_name",
    "BOOKING_URL": "booking_url",
    "MENU_URL": "menu_url",
    "CLINIC_PHONE": "phone",
    "CLINIC_HOURS": "hours",
}


@dataclass(frozen=True)
class Thresholds:
    """The three bands: answer, suggest ("もしかして"), fallback. Scores are 0–100."""

    answer_score: float = 50.0
    answer_margin: float = 6.0
    # A lower score is enough when the runner-up is far behind.
    clear_score: float = 35.0
    clear_margin: float = 30.0
    suggest_score: float = 30.0
    suggestions: int = 3
    # Two entries that each answer a different part of the question (シミとくすみ両方) are
    # both answered when both score at least this.
    two_topic_score: float = 55.0

    def answers(self, score: float, margin: float) -> bool:
        return (score >= self.answer_score and margin >= self.answer_margin) or (
            score >= self.clear_score and margin >= self.clear_margin
        )


@dataclass(frozen=True)
class Privacy:
    """How long the question log keeps a question (要配慮個人情報: as short as is useful)."""

    retention_days: int = 90


@dataclass(frozen=True)
class Handoff:
    """Handing a conversation to staff: how long the bot stays silent, what staff are told."""

    handoff_hours: int = 24
    notify_include_text: bool = False  # staff notices carry the patient's message only if on


@dataclass(frozen=True)
class Settings:
    clinic_name: str
    booking_url: str
    menu_url: str
    phone: str
    hours: str
    disclaimer: str
    thresholds: Thresholds = Thresholds()
    privacy: Privacy = Privacy()
    handoff: Handoff = Handoff()

    @property
    def phone_uri(self) -> str:
        """`tel:` URI with digits only, as LINE's URI action wants."""
        digits = "".join(ch for ch in self.phone if ch.isdigit() or ch == "+")
        return f"tel:{digits}"

    def placeholders(self) -> list[str]:
        """Names of settings the clinic has not filled in yet."""
        return [
            f.name
            for f in fields(self)
            if isinstance(getattr(self, f.name), str)
            and any(m in getattr(self, f.name) for m in PLACEHOLDER_MARKERS)
        ]

    def with_environment(self, environ: Mapping[str, str] | None = None) -> "Settings":
        environ = os.environ if environ is None else environ
        changes = {name: environ[var] for var, name in ENV_OVERRIDES.items() if environ.get(var)}
        return replace(self, **changes) if changes else self


_REQUIRED_TEXT = ("clinic_name", "booking_url", "menu_url", "phone", "hours", "disclaimer")


def load_settings(path: Path) -> tuple[Settings | None, list[Problem]]:
    """Read settings.yaml; the environment is applied by the caller."""
    data, problems = load_yaml(path)
    if problems:
        return None, problems
    if not isinstance(data.value, dict):
        return None, [Problem(str(path), data.line, "settings must be a mapping of name: value")]
    values: dict[str, Any] = {}
    for name in _REQUIRED_TEXT:
        item = data.value.get(name)
        if item is None or not isinstance(item.value, str) or not item.value.strip():
            problems.append(Problem(str(path), item.line if item else data.line, f"'{name}' must be set to text"))
        else:
            values[name] = item.value.strip()
    thresholds, threshold_problems = _thresholds(path, data.value.get("matching"))
    problems += threshold_problems
    privacy, privacy_problems = _section(path, data.value.get("privacy"), "privacy", Privacy, _PRIVACY_RANGES)
    handoff, handoff_problems = _section(path, data.value.get("handoff"), "handoff", Handoff, _HANDOFF_RANGES)
    problems += privacy_problems + handoff_problems
    if problems:
        return None, problems
    return Settings(**values, thresholds=thresholds, privacy=privacy, handoff=handoff), []


# Whole-number settings and the range a clinic may choose from.
_PRIVACY_RANGES = {"retention_days": (1, 3650)}
_HANDOFF_RANGES = {"handoff_hours": (1, 24 * 14)}


def _section(path: Path, item: Located | None, name: str, kind: type, ranges: dict[str, tuple[int, int]]) -> tuple[Any, list[Problem]]:
    """A small mapping of whole numbers and yes/no flags, e.g. `privacy:` or `handoff:`."""
    if item is None:
        return kind(), []
    if not isinstance(item.value, dict):
        return kind(), [Problem(str(path), item.line, f"'{name}' must be a mapping")]
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    known = {f.name: f for f in fields(kind)}
    for key, entry in item.value.items():
        field_ = known.get(key)
        if field_ is None:
            problems.append(Problem(str(path), entry.line, f"unknown setting '{name}.{key}' (expected one of {', '.join(sorted(known))})"))
        elif isinstance(field_.default, bool):
            if not isinstance(entry.value, bool):
                problems.append(Problem(str(path), entry.line, f"'{key}' must be true or false"))
            else:
                values[key] = entry.value
        else:
            low, high = ranges[key]
            number = entry.value
            if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
                problems.append(Problem(str(path), entry.line, f"'{key}' must be a whole number from {low} to {high}"))
            else:
                values[key] = number
    return kind(**values), problems


def _thresholds(path: Path, item: Located | None) -> tuple[Thresholds, list[Problem]]:
    if item is None:
        return Thresholds(), []
    if not isinstance(item.value, dict):
        return Thresholds(), [Problem(str(path), item.line, "'matching' must be a mapping")]
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for f in fields(Thresholds):
        entry = item.value.get(f.name)
        if entry is None:
            continue
        number = entry.value
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            problems.append(Problem(str(path), entry.line, f"'{f.name}' must be a number"))
            continue
        values[f.name] = int(number) if f.name == "suggestions" else float(number)
    result = Thresholds(**values)
    if not 0 <= result.suggest_score <= min(result.answer_score, result.clear_score) <= 100:
        problems.append(Problem(str(path), item.line, "need 0 <= suggest_score <= answer_score, clear_score <= 100"))
    if not 2 <= result.suggestions <= 3:
        problems.append(Problem(str(path), item.line, "'suggestions' must be 2 or 3"))
    return result, problems
