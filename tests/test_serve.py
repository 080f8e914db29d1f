import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from bot import cli
from bot.serve import web_command, web_line

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list:
    """Capture what `faqbot serve` would exec, and keep the developer's .env out of it."""
    calls: list = []
    monkeypatch.setattr(cli, "exec_web", lambda argv, cwd: calls.append((argv, cwd)))
    monkeypatch.chdir(tmp_path)
    for name in ("LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN", "PORT", "WEBHOOK_WORKERS", "USER_HASH_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return calls


def test_web_command_is_the_procfile_line_on_the_given_port() -> None:
    argv, cwd = web_command(port=5123)
    assert argv[:3] == [sys.executable, "-m", "gunicorn"]
    assert argv[3:] == ["--config", "bot/gunicorn_conf.py", "--bind", "0.0.0.0:5123", "bot.webapp:create_app()"]
    assert cwd == REPO
    assert web_line().startswith("gunicorn ")


def test_web_command_can_bind_loopback() -> None:
    argv, _ = web_command(port=5123, host="127.0.0.1")
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:5123"


def test_web_command_without_a_procfile_uses_the_packaged_config(tmp_path: Path) -> None:
    argv, _ = web_command(port=80, procfile=tmp_path / "Procfile")
    config = Path(argv[argv.index("--config") + 1])
    assert config.is_absolute() and config.name == "gunicorn_conf.py" and config.exists()


def test_serve_binds_loopback_without_line_credentials(started: list) -> None:
    result = CliRunner().invoke(cli.main, ["serve"])
    assert result.exit_code == 0, result.output
    ((argv, cwd),) = started
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8000"
    assert "LINE credentials are not set" in result.output


def test_serve_binds_all_interfaces_on_port_with_credentials(started: list) -> None:
    env = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "PORT": "5050", "USER_HASH_SECRET": "k"}
    result = CliRunner().invoke(cli.main, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    ((argv, _),) = started
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:5050"


def test_serve_options_override(started: list) -> None:
    CliRunner().invoke(cli.main, ["serve", "--port", "9001", "--host", "127.0.0.2"])
    ((argv, _),) = started
    assert argv[argv.index("--bind") + 1] == "127.0.0.2:9001"


def test_serve_refuses_production_without_the_hash_secret(started: list) -> None:
    result = CliRunner().invoke(cli.main, ["serve"], env={"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"})
    assert result.exit_code == 1 and started == []
    assert "USER_HASH_SECRET must be set" in result.output


def test_serve_reports_bad_settings_clearly(started: list) -> None:
    result = CliRunner().invoke(cli.main, ["serve"], env={"WEBHOOK_WORKERS": "lots"})
    assert result.exit_code == 1
    assert "WEBHOOK_WORKERS" in result.output and started == []


def test_every_command_has_help_with_an_example() -> None:
    for name, command in cli.main.commands.items():
        with click.Context(command, info_name=name) as ctx:
            assert "Example" in command.get_help(ctx), name
