import gc
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import pytest
from flask import Flask

from bot import gunicorn_conf
from fake_line import FakeLine
from gunicorn_server import launch, wait_booted, wait_healthy
from line_payloads import body, post_signed, text_event

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _unfreeze():
    """on_starting and pre_fork freeze the collector's objects, which suits a gunicorn master, not pytest."""
    yield
    gc.unfreeze()
    gc.enable()


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


def test_the_master_imports_what_every_worker_needs_before_it_forks() -> None:
    # A fresh interpreter: this one has imported the app long ago.
    script = """
import gc, sys
from bot import gunicorn_conf
assert "bot.webapp" not in sys.modules and "linebot.v3.messaging" not in sys.modules
gunicorn_conf.import_worker_modules()
for name in ("bot.webapp", "linebot.v3.messaging", "flask", "sqlalchemy", "sudachipy", "numpy"):
    assert name in sys.modules, name
assert gc.isenabled()
assert gc.get_freeze_count() > 50_000, gc.get_freeze_count()
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_on_starting_imports_the_served_apps_module_after_the_checks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    imported: list[str] = []
    monkeypatch.setattr(gunicorn_conf.importlib, "import_module", imported.append)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER_HASH_SECRET", "k")
    monkeypatch.setenv("FAQ_DIR", str(tmp_path / "missing"))
    procfile = SimpleNamespace(app=SimpleNamespace(app_uri="bot.webapp:create_app()"))
    with pytest.raises(RuntimeError):
        gunicorn_conf.on_starting(procfile)
    assert imported == []  # a refused start imports nothing
    monkeypatch.setenv("FAQ_DIR", str(REPO / "faq"))
    gunicorn_conf.on_starting(procfile)
    gunicorn_conf.on_starting(SimpleNamespace(app=SimpleNamespace(app_uri="bench.peer_echo:create_app()")))
    gunicorn_conf.on_starting(SimpleNamespace())
    assert imported == ["bot.webapp", "bench.peer_echo", "bot.webapp"]
    assert gc.isenabled()


def test_pre_fork_freezes_what_the_master_allocated_since() -> None:
    gc.unfreeze()
    kept = [[i] for i in range(1000)]  # container objects the collector tracks
    gunicorn_conf.pre_fork(SimpleNamespace(), SimpleNamespace())
    assert gc.get_freeze_count() >= len(kept)


def test_a_replacement_worker_starts_from_the_masters_imports(fake_line: FakeLine, tmp_path: Path) -> None:
    server = wait_healthy(launch(fake_line, tmp_path / "gunicorn.log"))
    try:
        wait_booted(server, workers=2)
        output = server.output()
        master = server.process.pid
        assert f"pid={master} worker_modules_imported modules=bot.webapp" in output
        (first, *_) = [int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", output)]
        os.kill(first, signal.SIGKILL)
        wait_booted(server, workers=3)
        assert output.count("worker_modules_imported") == server.output().count("worker_modules_imported") == 1
        assert server.health()["status"] == "ok"
        response, _ = server.post_signed(body(text_event("料金はいくら")))
        assert response.status_code == 200
        deadline = time.monotonic() + 10
        while not fake_line.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [r.status for r in fake_line.requests] == [200]
    finally:
        assert server.stop() == 0
