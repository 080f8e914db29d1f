"""Shared fixtures: the shipped FAQ loaded once, and a temporary copy for tests that edit it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.answering import Answerer

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
