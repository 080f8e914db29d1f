from pathlib import Path

import pytest

from bot.config import DEFAULT_API_ENDPOINT, Config, ConfigError, load_config, read_environment


def test_defaults_without_any_variables() -> None:
    config = Config.from_environ({})
    assert not config.line_configured
    assert config.api_endpoint == DEFAULT_API_ENDPOINT == "https://api.line.me"
    assert config.workers >= 1 and config.queue_size >= 1
    assert 0 < config.api_timeout < 60  # a reply token lives about a minute


def test_line_variables() -> None:
    config = Config.from_environ(
        {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_API_ENDPOINT": "http://127.0.0.1:9999/", "FAQ_DIR": "/srv/faq"}
    )
    assert config.line_configured
    assert config.api_endpoint == "http://127.0.0.1:9999"
    assert config.faq_dir == Path("/srv/faq")


def test_one_credential_is_not_enough() -> None:
    assert not Config.from_environ({"LINE_CHANNEL_SECRET": "s"}).line_configured
    assert not Config.from_environ({"LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_CHANNEL_SECRET": "  "}).line_configured


def test_numbers() -> None:
    config = Config.from_environ({"WEBHOOK_WORKERS": "2", "WEBHOOK_QUEUE_SIZE": "10", "LINE_API_TIMEOUT": "1.5", "DEDUP_TTL_SECONDS": "60"})
    assert (config.workers, config.queue_size, config.api_timeout, config.dedup_ttl) == (2, 10, 1.5, 60.0)


@pytest.mark.parametrize(
    "name, value",
    [("WEBHOOK_WORKERS", "two"), ("WEBHOOK_WORKERS", "0"), ("LINE_API_TIMEOUT", "-1"), ("WEBHOOK_MAX_BODY_BYTES", "10"),
     ("LINE_API_ENDPOINT", "api.line.me")],
)
def test_unusable_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_environ({name: value})


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("LINE_CHANNEL_SECRET=from-file\nBOOKING_URL=https://file.example.jp/\nEMPTY\n")
    merged = read_environment({"BOOKING_URL": "https://env.example.jp/"}, dotenv)
    assert merged["LINE_CHANNEL_SECRET"] == "from-file"
    assert merged["BOOKING_URL"] == "https://env.example.jp/"
    config = load_config({"LINE_CHANNEL_ACCESS_TOKEN": "t"}, dotenv)
    assert config.line_configured and config.environ["BOOKING_URL"] == "https://file.example.jp/"


def test_a_missing_dotenv_is_fine(tmp_path: Path) -> None:
    assert read_environment({"A": "1"}, tmp_path / "nope.env") == {"A": "1"}
