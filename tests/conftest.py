"""Shared fixtures: the shipped FAQ, databases for the store, a fake Messaging API on loopback,
and apps wired to it."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bot.answering import Answerer
from bot.store import Store
from bot.webapp import create_app
from fake_line import FakeLine
from line_payloads import HASH_SECRET, SECRET, TOKEN

REPO = Path(__file__).resolve().parent.parent
FAQ_DIR = REPO / "faq"


@pytest.fixture(scope="session")
def answerer() -> Answerer:
    return Answerer.from_directory(FAQ_DIR)


@pytest.fixture
def faq_copy(tmp_path: Path) -> Path:
    """A writable copy of the shipped FAQ folder."""
    target = tmp_path / "faq"
    shutil.copytree(FAQ_DIR, target)
    return target


# -- databases for the store: SQLite in a temporary folder, and the PostgreSQL on loopback --

PG_URLS = (
    [os.environ["TEST_DATABASE_URL"]]
    if os.environ.get("TEST_DATABASE_URL")
    else ["postgresql+psycopg://postgres@127.0.0.1:5432/test", "postgresql+psycopg://root@127.0.0.1:5432/test"]
)


@pytest.fixture(scope="session")
def pg_url() -> str:
    """A PostgreSQL URL that answers; skips (with the reason) only when no server does."""
    reasons = []
    for url in PG_URLS:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return url
        except sa.exc.OperationalError as exc:
            reasons.append(f"{engine.url.render_as_string(hide_password=True)}: {str(exc.orig).strip().splitlines()[0]}")
        finally:
            engine.dispose()
    message = "no PostgreSQL server answers: " + "; ".join(reasons)
    if os.environ.get("FAQBOT_REQUIRE_POSTGRES"):  # set by .ci/run, which starts the server
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def pg_schema(pg_url: str):
    """A fresh schema for one test, dropped afterwards: (url, schema name)."""
    schema = f"faqbot_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    yield pg_url, schema
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path):
    store = Store.from_environment({"DATA_DIR": str(tmp_path / "data")})
    yield store
    store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path):
    """The store on each database the service supports."""
    if request.param == "sqlite":
        store = Store.from_environment({"DATA_DIR": str(tmp_path / "data")})
    else:
        url, schema = request.getfixturevalue("pg_schema")
        store = Store(url, schema=schema)
    yield store
    store.close()


@pytest.fixture
def down_store():
    """A store whose PostgreSQL server does not exist (nothing listens on that loopback port)."""
    store = Store("postgresql://postgres@127.0.0.1:9/test", connect_timeout=2)
    yield store
    store.close()
@pytest.fixture(scope="module")
def module_fake() -> Iterator[FakeLine]:
    """One fake Messaging API for a whole test module (its e2e servers start once)."""
    fake = FakeLine().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    fake = FakeLine().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_app(fake_line: FakeLine, answerer: Answerer, tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """Apps configured like production but talking to the fake, with SQLite in a temporary
    folder; closed (drained) afterwards. `answerer=None` (as a keyword) watches FAQ_DIR instead."""
    apps: list[Flask] = []

    def make(*, store: Store | None = None, answerer: Answerer | None = answerer, **env: str | None) -> Flask:
        variables = {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "LINE_API_ENDPOINT": fake_line.url,
            "LINE_API_TIMEOUT": "2",
            "LINE_PUSH_BACKOFF": "0.01",
            "USER_HASH_SECRET": HASH_SECRET,
            "DATA_DIR": str(tmp_path / "data"),
            **env,
        }
        app = create_app({k: v for k, v in variables.items() if v is not None}, answerer=answerer, store=store)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["faqbot"].close(5)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()

