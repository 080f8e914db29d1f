"""Reading staff-edited YAML files while remembering where each value came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Problem:
    """Something wrong (or worth a warning) in a staff-edited file, with its place."""

    path: str
    line: int  # 1-based; 0 when the problem is about the whole file
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


class FaqFileError(Exception):
    """Raised when staff-edited files cannot be used; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Located:
    """A plain Python value with the line it starts on."""

    value: Any
    line: int


def load_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Parse `path`, returning plain values wrapped so that mappings and items keep lines.

    Scalars come back as `Located`; lists as lists of located items; mappings as dicts of
    key → located value. Syntax errors become one `Problem` with the parser's line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(str(path), 0, "file not found")]
    except UnicodeDecodeError as exc:
        return None, [Problem(str(path), 0, f"not UTF-8 text ({exc.reason})")]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(str(path), line, f"YAML syntax error: {reason}")]
    if node is None:
        return None, [Problem(str(path), 0, "file is empty")]
    return _locate(node), []


def _locate(node: yaml.Node) -> Any:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        return Located({k.value: _locate(v) for k, v in node.value}, line)
    if isinstance(node, yaml.SequenceNode):
        return Located([_locate(item) for item in node.value], line)
    return Located(_scalar(node), line)


def _scalar(node: yaml.ScalarNode) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def plain(located: Any) -> Any:
    """Strip locations, giving the values yaml.safe_load would give."""
    if isinstance(located, Located):
        located = located.value
    if isinstance(located, dict):
        return {k: plain(v) for k, v in located.items()}
    if isinstance(located, list):
        return [plain(v) for v in located]
    return located
