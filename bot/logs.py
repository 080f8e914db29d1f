"""Logging in one place: one-line key=value records.

Application code calls `log_fields(logger, "what_happened", key=value, ...)`; message texts
and raw LINE user ids never go into a record (use `privacy.hash_user`, the question log's key).
"""

from __future__ import annotations

import logging
import logging.config
import re
import time
from typing import Any

LINE_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s pid=%(process)d %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
# What gunicorn writes per request: no query string, no headers, no body.
ACCESS_FORMAT = "access method=%(m)s path=%(U)s status=%(s)s bytes=%(B)s ms=%(M)s"
_BARE = re.compile(r"[\w.:/@+-]+")  # used with fullmatch: a final newline is quoted too


def format_fields(what: str, **fields: Any) -> str:
    """`what key=value ...` on one line; values with spaces or quotes are JSON-style quoted."""
    parts = [what]
    for key, value in fields.items():
        kind = type(value)
        # Exact str and int first: nearly every field, and an int's digits never need quoting.
        if kind is str:
            text = value if _BARE.fullmatch(value) else _quoted(value)
        elif kind is int:
            text = str(value)
        elif value is None:
            continue
        elif isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, float):
            text = f"{value:g}"
        else:
            text = str(value)
            if not _BARE.fullmatch(text):
                text = _quoted(text)
        parts.append(f"{key}={text}")
    return " ".join(parts)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def log_fields(logger: logging.Logger, what: str, *, level: int = logging.INFO, **fields: Any) -> None:
    if logger.isEnabledFor(level):
        # What `logger.log` does, minus its walk up the stack for the caller's frame: that walk
        # stopped here for every record, so each one names this function as its source anyway.
        logger.handle(logger.makeRecord(logger.name, level, _SOURCE, _LINE, format_fields(what, **fields), (), None, "log_fields"))


_SOURCE, _LINE = log_fields.__code__.co_filename, log_fields.__code__.co_firstlineno


class LineFormatter(logging.Formatter):
    """`LINE_FORMAT`, with the time text made once per second rather than once per line."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        second = int(record.created)
        cached = self._second  # one tuple, replaced whole: safe to read from any thread
        if cached[0] != second:
            cached = self._second = (second, time.strftime(datefmt or DATE_FORMAT, self.converter(second)))
        return cached[1]

    _second: tuple[int, str] = (-1, "")


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """The `logging.config.dictConfig` used by gunicorn (logconfig_dict) and the CLI alike."""
    handler = {"class": "logging.StreamHandler", "formatter": "line", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"line": {"()": LineFormatter, "fmt": LINE_FORMAT, "datefmt": DATE_FORMAT}},
        "handlers": {"console": handler, "error_console": handler},
        "root": {"level": level.upper(), "handlers": ["console"]},
        "loggers": {
            # gunicorn's own loggers go through the root handler, in the same format.
            "gunicorn.error": {"level": level.upper(), "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
            # The SDK logs response bodies at DEBUG; never let them through.
            "linebot": {"level": "WARNING"},
            "urllib3": {"level": "WARNING"},
            "werkzeug": {"level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
