"""Shared fixtures: the shipped FAQ, a fake Messaging API on loopback, and apps wired to it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bot.answering import Answerer
from bot.webapp import create_app
from fake_line import FakeLine
from line_payloads import SECRET, TOKEN

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


@pytest.fixture
def fake_line() -> Iterator[FakeLine]:
    fake = FakeLine().start()
    yield fake
    fake.stop()


@pytest.fixture
def make_app(fake_line: FakeLine, answerer: Answerer) -> Iterator[Callable[..., Flask]]:
    """Apps configured like production but talking to the fake; closed (drained) afterwards."""
    apps: list[Flask] = []

    def make(**env: str | None) -> Flask:
        variables = {
            "LINE_CHANNEL_SECRET": SECRET,
            "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
            "LINE_API_ENDPOINT": fake_line.url,
            "LINE_API_TIMEOUT": "2",
            "LINE_PUSH_BACKOFF": "0.01",
            **env,
        }
        app = create_app({k: v for k, v in variables.items() if v is not None}, answerer=answerer)
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

