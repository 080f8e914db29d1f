"""Running the store's per-event statements (claim, complete, log, handoff check) cheaply.

Each is a SQLAlchemy Core statement with bound parameters, built once. On PostgreSQL it runs
through the engine, which then only looks it up in its compiled cache. On SQLite it is compiled
once to SQL text and run on a connection of the calling thread's own (WAL lets readers and one
writer work at once), with this process's writes taking turns on a lock instead of spinning in
SQLite's busy handler: SQLAlchemy's per-call work (pool, transaction, events) cost more than
the write. Every failure is a `StoreUnavailable`.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Mapping

import sqlalchemy as sa

# SQLAlchemy's storage format for DateTime on SQLite: the per-thread connections write the same text.
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class Executed:
    rowcount: int
    row: tuple[Any, ...] | None  # the first row of a SELECT


Statements = Mapping[str, sa.Executable]
Unavailable = Callable[[BaseException], Exception]


class EngineRunner:
    """Prebuilt statements through the SQLAlchemy engine (PostgreSQL)."""

    def __init__(self, engine: sa.Engine, statements: Statements, *, unavailable: Unavailable) -> None:
        self._engine = engine
        self._statements = dict(statements)
        self._unavailable = unavailable

    def run(self, name: str, params: dict[str, Any], *, write: bool) -> Executed:
        try:
            with self._engine.begin() as conn:
                # An INSERT's rowcount is only kept when asked for; 0 means a conflict.
                result = conn.execute(self._statements[name], params, execution_options={"preserve_rowcount": True})
                row = result.first() if result.returns_rows else None
                return Executed(result.rowcount, None if row is None else tuple(row))
        except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:
            raise self._unavailable(exc) from None

    def close(self) -> None:
        """The engine is the store's: it closes it."""


class SqliteRunner:
    """Prebuilt statements as SQL text on one sqlite3 connection per thread."""

    def __init__(self, path: str, dialect: sa.Dialect, statements: Statements, *, busy_timeout: float,
                 unavailable: Unavailable) -> None:
        self._path = path
        self._busy_timeout = busy_timeout
        self._unavailable = unavailable
        self._sql = {name: _compiled(statement, dialect) for name, statement in statements.items()}
        self._local = threading.local()
        self._open: list[sqlite3.Connection] = []
        self._lock = threading.Lock()  # guards _open
        self._write_lock = threading.Lock()  # this process's writers, one at a time

    def run(self, name: str, params: dict[str, Any], *, write: bool) -> Executed:
        sql, names = self._sql[name]
        values = tuple(_sqlite_value(params[key]) for key in names)
        try:
            with self._write_lock if write else _NO_LOCK:
                cursor = self._connection().execute(sql, values)
                row = cursor.fetchone() if cursor.description else None
                return Executed(cursor.rowcount, row)
        except sqlite3.Error as exc:
            raise self._unavailable(exc) from None

    def close(self) -> None:
        with self._lock:
            connections, self._open = self._open, []
            self._local = threading.local()  # a thread that runs again after close opens a new one
        for connection in connections:
            connection.close()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            # Autocommit: each statement is its own transaction. Closed by `close`, from another thread.
            connection = sqlite3.connect(self._path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            with self._lock:
                self._open.append(connection)
            self._local.connection = connection
        return connection


_NO_LOCK = nullcontext()


def _compiled(statement: sa.Executable, dialect: sa.Dialect) -> tuple[str, tuple[str, ...]]:
    """SQL text with `?` placeholders, and the parameter names in placeholder order."""
    done = statement.compile(dialect=dialect)
    return done.string, tuple(done.positiontup or ())


def _sqlite_value(value: Any) -> Any:
    return value.strftime(SQLITE_TIME) if isinstance(value, datetime) else value
