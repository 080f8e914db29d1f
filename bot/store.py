"""What the bot keeps: the question log, processed webhook events and handoffs to staff.

SQLAlchemy Core over SQLite (a file under `DATA_DIR`) by default, or PostgreSQL when
`DATABASE_URL` is set. The statements every event runs (claim, complete, log, handoff check)
are built once and run by `statements.py`, without SQLAlchemy's per-call work on SQLite.
Any failure to reach or use the database raises `StoreUnavailable` so that callers can keep
answering patients while the database is down.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Iterable, Iterator, Mapping

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .statements import EngineRunner, Executed, SqliteRunner

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
# Upgrades from version N-1 to N, run in order at start, as `function(connection, tables)`;
# add one with each schema change (they are defined at the end of this module).
MIGRATIONS: dict[int, Any] = {}
SQLITE_FILE = "faqbot.sqlite3"
DEFAULT_DATA_DIR = "data"
EVENT_WINDOW = timedelta(days=2)  # LINE redelivers for far less; older event ids are dropped
MAX_EVENT_ID = 128
_PG_LOCK_KEY = 0x46_41_51_42  # "FAQB": serialises schema creation between workers
_SQLITE_BUSY_SECONDS = 10.0


class StoreUnavailable(RuntimeError):
    """The database could not be reached or refused the operation."""


@dataclass(frozen=True)
class QuestionRow:
    id: int
    created_at: datetime  # UTC, timezone-aware
    kind: str
    entry_id: str | None
    score: float
    candidates: tuple[tuple[str, float], ...]
    normalised_text: str
    user_hash: str


@dataclass(frozen=True)
class PurgeCounts:
    questions: int
    events: int
    handoffs: int


def normalise_url(url: str) -> str:
    """Accept the `postgres://` form platforms hand out; use psycopg 3 for PostgreSQL."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if url.startswith(("postgresql+psycopg://", "sqlite:///")):
        return url
    raise ValueError("DATABASE_URL must start with postgres://, postgresql:// or sqlite:/// (a file)")


def database_url(environ: Mapping[str, str] | None = None, *, data_dir: str | Path | None = None) -> str:
    """`DATABASE_URL` when set, else an SQLite file under `data_dir` / `DATA_DIR` / ./data."""
    environ = os.environ if environ is None else environ
    if environ.get("DATABASE_URL"):
        return normalise_url(environ["DATABASE_URL"])
    directory = Path(data_dir or environ.get("DATA_DIR") or DEFAULT_DATA_DIR)
    return f"sqlite:///{(directory / SQLITE_FILE).resolve()}"


def _tables(metadata: sa.MetaData) -> SimpleNamespace:
    return SimpleNamespace(
        version=sa.Table(
            "schema_version", metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("version", sa.Integer, nullable=False),
        ),
        questions=sa.Table(
            "question_log", metadata,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("created_at", sa.DateTime, nullable=False, index=True),  # UTC
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("entry_id", sa.String(64)),
            sa.Column("score", sa.Float, nullable=False),
            sa.Column("candidates", sa.Text, nullable=False),  # JSON: [{"id": ..., "score": ...}]
            sa.Column("normalised_text", sa.Text, nullable=False),
            sa.Column("user_hash", sa.String(64), nullable=False, index=True),
        ),
        events=sa.Table(
            "processed_events", metadata,
            sa.Column("event_id", sa.String(MAX_EVENT_ID), primary_key=True),
            sa.Column("created_at", sa.DateTime, nullable=False, index=True),  # when it was (last) claimed
            sa.Column("completed_at", sa.DateTime),  # NULL while the worker that claimed it is still on it
        ),
        handoff=sa.Table(
            "handoff", metadata,
            sa.Column("user_hash", sa.String(64), primary_key=True),
            sa.Column("until", sa.DateTime, nullable=False),
        ),
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets one worker write while others read; the busy timeout comes from connect().
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _to_db(moment: datetime) -> datetime:
    """Stored as naive UTC so SQLite and PostgreSQL compare the same way."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _from_db(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc)


def _describe(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"database unavailable ({type(orig).__name__}: {first_line})"


class Store:
    """The bot's tables in one database; safe to share between threads (one engine pool)."""

    def __init__(self, url: str, *, schema: str | None = None, connect_timeout: int = 3) -> None:
        url = normalise_url(url)
        self._metadata = sa.MetaData(schema=schema)
        self._t = _tables(self._metadata)
        if url.startswith("sqlite"):
            self.engine = sa.create_engine(
                url,
                connect_args={"timeout": _SQLITE_BUSY_SECONDS, "check_same_thread": False},
                hide_parameters=True,
            )
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        else:
            self.engine = sa.create_engine(
                url,
                pool_pre_ping=True,  # a restarted server leaves dead connections in the pool
                pool_timeout=connect_timeout + 2,
                connect_args={"connect_timeout": connect_timeout},
                hide_parameters=True,
            )
        self.dialect = self.engine.dialect.name
        unavailable = lambda exc: StoreUnavailable(_describe(exc))  # noqa: E731
        if self.dialect == "sqlite":
            self._runner: EngineRunner | SqliteRunner = SqliteRunner(
                self.engine.url.database or "", self.engine.dialect, self._per_event_statements(),
                busy_timeout=_SQLITE_BUSY_SECONDS, unavailable=unavailable)
        else:
            self._runner = EngineRunner(self.engine, self._per_event_statements(), unavailable=unavailable)
        self._schema_ready = False
        self._lock = threading.Lock()
        self._last_purge: float | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None, *, data_dir: str | Path | None = None,
                         url: str | None = None) -> "Store":
        """The store the environment names; creates DATA_DIR for SQLite. Does not connect yet."""
        url = normalise_url(url) if url else database_url(environ, data_dir=data_dir)
        if url.startswith("sqlite:///"):
            Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        return cls(url)

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        self._runner.close()
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------

    def create_schema(self) -> None:
        """Create missing tables and run pending migrations; safe to call from every worker."""
        attempts = 3
        for attempt in range(1, attempts + 1):
            try:
                with self._connection() as conn:
                    if self.dialect == "postgresql":
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
                    self._metadata.create_all(conn)
                    self._migrate(conn)
                break
            except StoreUnavailable:
                # Two SQLite processes may race on CREATE TABLE; the loser sees the tables next time.
                if attempt == attempts or self.dialect != "sqlite":
                    raise
                time.sleep(0.05 * attempt)
        self._schema_ready = True

    def _migrate(self, conn: sa.Connection) -> None:
        table = self._t.version
        current = conn.execute(sa.select(table.c.version).where(table.c.id == 1)).scalar()
        if current is None:
            conn.execute(self._insert(table).values(id=1, version=SCHEMA_VERSION).on_conflict_do_nothing())
            return
        if current > SCHEMA_VERSION:
            log.warning("database schema version %s is newer than this code's %s", current, SCHEMA_VERSION)
            return
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](conn, self._t)
            conn.execute(table.update().where(table.c.id == 1).values(version=version))
            log.info("database schema migrated to version %s", version)

    def schema_version(self) -> int | None:
        with self._begin() as conn:
            return conn.execute(sa.select(self._t.version.c.version)).scalar()

    @contextmanager
    def _connection(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except (sa.exc.DBAPIError, sa.exc.TimeoutError) as exc:
            # `from None`: the chained error would print the SQL and its parameters.
            raise StoreUnavailable(_describe(exc)) from None

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        self._ensure_schema()
        with self._connection() as conn:
            yield conn

    def _ensure_schema(self) -> None:
        if not self._schema_ready:
            with self._lock:
                if not self._schema_ready:
                    self.create_schema()

    def _run(self, name: str, *, write: bool = True, **params: Any) -> Executed:
        """One of `_per_event_statements`, in a transaction of its own."""
        self._ensure_schema()
        return self._runner.run(name, params, write=write)

    def _insert(self, table: sa.Table) -> Any:
        dialect = postgresql if self.dialect == "postgresql" else sqlite
        return dialect.insert(table)

    def _per_event_statements(self) -> dict[str, sa.Executable]:
        """Built once, with bound parameters (named apart from the columns they set)."""
        t = self._t
        events, questions, handoff = t.events, t.questions, t.handoff
        return {
            "claim": self._insert(events).values(event_id=sa.bindparam("id"), created_at=sa.bindparam("now"))
                .on_conflict_do_nothing(index_elements=["event_id"]),
            # A claim never completed and older than the lease: its worker stopped mid-event.
            "take_over": events.update()
                .where(events.c.event_id == sa.bindparam("id"), events.c.completed_at.is_(None),
                       events.c.created_at <= sa.bindparam("cutoff"))
                .values(created_at=sa.bindparam("now")),
            "complete": events.update().where(events.c.event_id == sa.bindparam("id")).values(completed_at=sa.bindparam("now")),
            "log_question": questions.insert().values(
                created_at=sa.bindparam("now"), kind=sa.bindparam("kind_"), entry_id=sa.bindparam("entry"),
                score=sa.bindparam("score_"), candidates=sa.bindparam("candidates_"), normalised_text=sa.bindparam("text"),
                user_hash=sa.bindparam("user")),
            "handoff_active": sa.select(handoff.c.until)
                .where(handoff.c.user_hash == sa.bindparam("user"), handoff.c.until > sa.bindparam("now")),  # one row at most: user_hash is the key
        }

    # -- question log ---------------------------------------------------------------------

    def log_question(self, *, kind: str, entry_id: str | None, score: float, candidates: Iterable[Any],
                     normalised_text: str, user_hash: str, now: datetime | None = None) -> None:
        """One row per answered, suggested, fallback or urgent message; never raw text or ids."""
        pairs = [_candidate_pair(c) for c in candidates]
        self._run(
            "log_question", now=_to_db(now or utcnow()), kind_=kind, entry=entry_id, score_=float(score),
            candidates_=json.dumps([{"id": i, "score": s} for i, s in pairs], ensure_ascii=False),
            text=normalised_text, user=user_hash,
        )

    def questions(self, since: datetime, until: datetime, *, kinds: Iterable[str] | None = None) -> list[QuestionRow]:
        """Rows logged in [since, until), oldest first."""
        table = self._t.questions
        query = (
            sa.select(table)
            .where(table.c.created_at >= _to_db(since), table.c.created_at < _to_db(until))
            .order_by(table.c.created_at, table.c.id)
        )
        if kinds is not None:
            query = query.where(table.c.kind.in_(list(kinds)))
        with self._begin() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            QuestionRow(
                id=r["id"],
                created_at=_from_db(r["created_at"]),
                kind=r["kind"],
                entry_id=r["entry_id"],
                score=r["score"],
                candidates=tuple((c["id"], float(c["score"])) for c in json.loads(r["candidates"])),
                normalised_text=r["normalised_text"],
                user_hash=r["user_hash"],
            )
            for r in rows
        ]

    def kind_counts(self, since: datetime, until: datetime) -> dict[str, int]:
        table = self._t.questions
        query = (
            sa.select(table.c.kind, sa.func.count())
            .where(table.c.created_at >= _to_db(since), table.c.created_at < _to_db(until))
            .group_by(table.c.kind)
        )
        with self._begin() as conn:
            return {kind: count for kind, count in conn.execute(query)}

    def delete_user(self, user_hash: str) -> int:
        """Delete every logged question of one user; returns how many rows went."""
        table = self._t.questions
        with self._begin() as conn:
            return conn.execute(table.delete().where(table.c.user_hash == user_hash)).rowcount

    # -- retention ------------------------------------------------------------------------

    def purge(self, retention_days: int, now: datetime | None = None, *,
              event_window: timedelta = EVENT_WINDOW) -> PurgeCounts:
        """Delete questions older than the retention, old event ids and ended handoffs."""
        if retention_days < 0:
            raise ValueError("retention_days must not be negative")
        now = _to_db(now or utcnow())
        t = self._t
        with self._begin() as conn:
            questions = conn.execute(t.questions.delete().where(t.questions.c.created_at < now - timedelta(days=retention_days)))
            handoffs = conn.execute(t.handoff.delete().where(t.handoff.c.until <= now))
            counts = (questions.rowcount, handoffs.rowcount)
        events = self.purge_events(event_window, _from_db(now))
        self._last_purge = time.monotonic()
        return PurgeCounts(questions=counts[0], events=events, handoffs=counts[1])

    def purge_events(self, window: timedelta = EVENT_WINDOW, now: datetime | None = None) -> int:
        """Forget event ids older than `window`; LINE never redelivers that late."""
        table = self._t.events
        cutoff = _to_db(now or utcnow()) - window
        with self._begin() as conn:
            return conn.execute(table.delete().where(table.c.created_at < cutoff)).rowcount

    def purge_if_due(self, retention_days: int, now: datetime | None = None, *,
                     every: timedelta = timedelta(hours=1)) -> PurgeCounts | None:
        """`purge` at most once per `every` in this process: the automatic deletion."""
        if self._last_purge is not None and time.monotonic() - self._last_purge < every.total_seconds():
            return None
        self._last_purge = time.monotonic()  # also when it fails: retry next period, not next message
        counts = self.purge(retention_days, now)
        if counts.questions or counts.events or counts.handoffs:
            log.info("purged %s question(s), %s event id(s), %s handoff(s)", counts.questions, counts.events, counts.handoffs)
        return counts

    # -- webhook deduplication ------------------------------------------------------------

    def claim_event(self, event_id: str, now: datetime | None = None, *, lease: timedelta | None = None) -> bool:
        """True the first time an event id is seen, by any worker or instance; False after.

        With `lease`, a claim never marked complete (`complete_event`) is taken over once it is
        older than `lease`: the worker that made it stopped (killed, crashed) before finishing.
        Only one of several workers asking at once gets it.
        """
        if not event_id or len(event_id) > MAX_EVENT_ID:
            raise ValueError(f"event id must be 1 to {MAX_EVENT_ID} characters")
        now = _to_db(now or utcnow())
        if self._run("claim", id=event_id, now=now).rowcount == 1:
            return True
        if lease is None:
            return False
        # A statement of its own: the conditions make the takeover atomic, one claimant wins.
        taken = self._run("take_over", id=event_id, now=now, cutoff=now - lease).rowcount == 1
        if taken:
            log.warning("event %s: its claim was never completed and is older than %ss; taking it over",
                        event_id, round(lease.total_seconds()))
        return taken

    def complete_event(self, event_id: str, now: datetime | None = None) -> bool:
        """The worker that claimed `event_id` is done with it (answered or not): no one takes it over."""
        return self._run("complete", id=event_id, now=_to_db(now or utcnow())).rowcount == 1

    # -- handoff to staff -----------------------------------------------------------------

    def start_handoff(self, user_hash: str, hours: float, now: datetime | None = None) -> datetime:
        """Staff take over this user's chat until now + hours; returns that time (UTC)."""
        until = _to_db(now or utcnow()) + timedelta(hours=hours)
        statement = self._insert(self._t.handoff).values(user_hash=user_hash, until=until)
        statement = statement.on_conflict_do_update(index_elements=["user_hash"], set_={"until": until})
        with self._begin() as conn:
            conn.execute(statement)
        return _from_db(until)

    def handoff_active(self, user_hash: str, now: datetime | None = None) -> bool:
        return self._run("handoff_active", write=False, user=user_hash, now=_to_db(now or utcnow())).row is not None

    def end_handoff(self, user_hash: str) -> bool:
        """The bot answers this user again; False when no handoff was running."""
        table = self._t.handoff
        with self._begin() as conn:
            return conn.execute(table.delete().where(table.c.user_hash == user_hash)).rowcount > 0

    # -- health ---------------------------------------------------------------------------

    def healthy(self) -> bool:
        """A cheap `SELECT 1`, for /healthz."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return True
        except (sa.exc.DBAPIError, sa.exc.TimeoutError):
            return False


def _candidate_pair(candidate: Any) -> tuple[str, float]:
    if isinstance(candidate, (tuple, list)):
        return str(candidate[0]), float(candidate[1])
    return str(candidate.id), float(candidate.score)


class EventClaims:
    """Webhook deduplication over the store: `claim(event_id) -> bool`, True the first time,
    and `complete(event_id)` once the claimant is done with it.

    A claim left incomplete for `lease` (its worker was killed mid-event) goes to the next
    delivery of the event; None keeps every claim for good. Old event ids are purged hourly.
    With `fail_open` (the default) an unreachable database counts as "first time": answering a
    redelivered event twice beats never answering.
    """

    def __init__(self, store: Store, *, window: timedelta = EVENT_WINDOW,
                 purge_every: timedelta = timedelta(hours=1), fail_open: bool = True,
                 lease: timedelta | None = None) -> None:
        self.store = store
        self.window = window
        self.purge_every = purge_every
        self.fail_open = fail_open
        self.lease = lease
        self._next_purge = 0.0

    def claim(self, event_id: str) -> bool:
        event_id = _event_key(event_id)
        try:
            first = self.store.claim_event(event_id, lease=self.lease)
        except StoreUnavailable as exc:
            if not self.fail_open:
                raise
            log.warning("event %s: cannot record it as handled (%s); handling it anyway", event_id, exc)
            return True
        if time.monotonic() >= self._next_purge:
            self._next_purge = time.monotonic() + self.purge_every.total_seconds()
            try:
                self.store.purge_events(self.window)
            except StoreUnavailable as exc:
                log.warning("could not purge old event ids (%s)", exc)
        return first

    def complete(self, event_id: str) -> None:
        try:
            self.store.complete_event(_event_key(event_id))
        except StoreUnavailable as exc:
            # The claim stays open: a later delivery may take it over after the lease.
            log.warning("event %s: cannot record it as completed (%s)", event_id, exc)


def _event_key(event_id: str) -> str:
    """LINE's ids are 26 characters; any longer one is kept unique by its hash."""
    if len(event_id) > MAX_EVENT_ID:
        return "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()
    return event_id


def _add_completed_at(conn: sa.Connection, tables: SimpleNamespace) -> None:
    """Version 2: `processed_events.completed_at`; events claimed before count as completed."""
    table = tables.events
    columns = {c["name"] for c in sa.inspect(conn).get_columns(table.name, schema=table.schema)}
    if "completed_at" not in columns:  # another SQLite worker may have added it a moment ago
        name = conn.dialect.identifier_preparer.format_table(table)
        kind = sa.DateTime().compile(dialect=conn.dialect)
        conn.execute(sa.text(f"ALTER TABLE {name} ADD COLUMN completed_at {kind}"))
    conn.execute(table.update().where(table.c.completed_at.is_(None)).values(completed_at=table.c.created_at))


MIGRATIONS[2] = _add_completed_at
