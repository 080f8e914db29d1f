import os
import re
import shlex
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import pytest
from flask import Flask

from bot import gunicorn_conf
from fake_line import FakeLine
from line_payloads import body, post_signed, text_event

REPO = Path(__file__).resolve().parent.parent


def test_the_procfile_runs_this_config_and_the_factory() -> None:
    (line,) = [l for l in (REPO / "Procfile").read_text().splitlines() if l.startswith("web:")]
    argv = shlex.split(line[len("web:"):])
    assert argv[0] == "gunicorn"
    assert argv[argv.index("--config") + 1] == "bot/gunicorn_conf.py"
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:$PORT"
    assert argv[-1] == "bot.webapp:create_app()"


def test_settings_for_two_processes_with_threads() -> None:
    assert gunicorn_conf.workers == 2  # events are claimed in the database, so workers may share them
    assert gunicorn_conf.worker_class == "gthread" and gunicorn_conf.threads >= 2
    assert gunicorn_conf.graceful_timeout > gunicorn_conf.DRAIN_MARGIN
    assert gunicorn_conf.preload_app is False
    assert gunicorn_conf.control_socket_disable is True
    assert "%(q)s" not in gunicorn_conf.access_log_format  # no query strings in the access log


def test_worker_exit_finishes_acknowledged_events(make_app: Callable[..., Flask], fake_line: FakeLine) -> None:
    fake_line.delay = 0.5
    app = make_app()
    post_signed(app.test_client(), body(text_event("料金はいくら"), text_event("ダウンタイムは")))
    server = SimpleNamespace(cfg=SimpleNamespace(graceful_timeout=10))
    worker = SimpleNamespace(wsgi=app, pid=123)
    started = time.monotonic()
    gunicorn_conf.worker_exit(server, worker)
    assert time.monotonic() - started >= 0.4
    assert [r.status for r in fake_line.requests] == [200, 200]
    assert not app.extensions["faqbot"].dispatcher.accepting


def test_worker_exit_without_an_app_does_nothing() -> None:
    gunicorn_conf.worker_exit(SimpleNamespace(cfg=SimpleNamespace(graceful_timeout=10)), SimpleNamespace(pid=1))
    gunicorn_conf.on_exit(SimpleNamespace())


def test_the_master_refuses_a_production_start_without_the_hash_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("LINE_CHANNEL_SECRET", "s")
    monkeypatch.setenv("LINE_CHANNEL_ACCESS_TOKEN", "t")
    monkeypatch.delenv("USER_HASH_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="USER_HASH_SECRET must be set"):
        gunicorn_conf.on_starting(SimpleNamespace())
    monkeypatch.setenv("USER_HASH_SECRET", "k")
    gunicorn_conf.on_starting(SimpleNamespace())


def test_a_local_run_shares_one_random_hash_secret_between_its_workers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "USER_HASH_SECRET"):
        monkeypatch.setenv(name, "")  # recorded, so what on_starting sets is undone after the test
        monkeypatch.delenv(name)
    gunicorn_conf.on_starting(SimpleNamespace())
    shared = os.environ["USER_HASH_SECRET"]  # inherited by the workers the master forks
    assert len(shared) == 64
    gunicorn_conf.on_starting(SimpleNamespace())  # a configured secret is left alone
    assert os.environ["USER_HASH_SECRET"] == shared


def test_the_master_refuses_to_start_without_the_faq_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER_HASH_SECRET", "k")
    monkeypatch.setenv("FAQ_DIR", str(tmp_path / "missing"))
    with pytest.raises(RuntimeError, match="^configuration: FAQ directory not found: " + re.escape(str(tmp_path / "missing"))):
        gunicorn_conf.on_starting(SimpleNamespace())
