from pathlib import Path

import pytest

from bot.config import DEFAULT_API_ENDPOINT, Config, ConfigError, load_config, read_environment

PRODUCTION = {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t"}


def test_defaults_without_any_variables() -> None:
    config = Config.from_environ({})
    assert not config.line_configured
    assert config.api_endpoint == DEFAULT_API_ENDPOINT == "https://api.line.me"
    assert config.workers >= 1 and config.queue_size >= 1
    assert 0 < config.api_timeout < 60  # a reply token lives about a minute


def test_line_variables() -> None:
    config = Config.from_environ(
        {"LINE_CHANNEL_SECRET": "s", "LINE_CHANNEL_ACCESS_TOKEN": "t", "LINE_API_ENDPOINT": "http://127.0.0.1:9999/", "FAQ_DIR": "/srv/faq",
         "USER_HASH_SECRET": "k"}
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


def test_the_default_event_lease_outlasts_the_longest_event() -> None:
    config = Config.from_environ({})
    # The reply, then an urgent message's three push attempts, with the default timeouts.
    assert config.longest_event == (3 + 10) * 4 + 0.5 + 1.0
    assert config.event_lease > config.longest_event
    assert Config.from_environ({"EVENT_LEASE_SECONDS": "3"}).event_lease == 3.0


@pytest.mark.parametrize(
    "name, value",
    [("WEBHOOK_WORKERS", "two"), ("WEBHOOK_WORKERS", "0"), ("LINE_API_TIMEOUT", "-1"), ("WEBHOOK_MAX_BODY_BYTES", "10"),
     ("LINE_API_ENDPOINT", "api.line.me"), ("EVENT_LEASE_SECONDS", "0.5")],
)
def test_unusable_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Config.from_environ({name: value})


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("LINE_CHANNEL_SECRET=from-file\nUSER_HASH_SECRET=k\nBOOKING_URL=https://file.example.jp/\nEMPTY\n")
    merged = read_environment({"BOOKING_URL": "https://env.example.jp/"}, dotenv)
    assert merged["LINE_CHANNEL_SECRET"] == "from-file"
    assert merged["BOOKING_URL"] == "https://env.example.jp/"
    config = load_config({"LINE_CHANNEL_ACCESS_TOKEN": "t"}, dotenv)
    assert config.line_configured and config.environ["BOOKING_URL"] == "https://file.example.jp/"


def test_a_missing_dotenv_is_fine(tmp_path: Path) -> None:
    assert read_environment({"A": "1"}, tmp_path / "nope.env") == {"A": "1"}


# --- persistence and the staff loop ------------------------------------------------------


def test_storage_and_staff_defaults() -> None:
    config = Config.from_environ({})
    assert config.database_url is None and config.data_dir == Path("data")
    assert config.staff_notify_to is None
    assert config.faq_reload_seconds == 0.5 and config.purge_interval == 3600
    assert not config.production


def test_storage_and_staff_variables() -> None:
    config = Config.from_environ({
        "DATABASE_URL": "postgres://bot:pw@db.example.internal:5432/faq", "DATA_DIR": "/var/lib/faqbot",
        "USER_HASH_SECRET": " k ", "STAFF_NOTIFY_TO": "C0123456789abcdef0123456789abcdef",
        "FAQ_RELOAD_SECONDS": "2", "PURGE_INTERVAL_SECONDS": "600",
    })
    assert config.database_url == "postgresql+psycopg://bot:pw@db.example.internal:5432/faq"  # the form platforms hand out
    assert config.data_dir == Path("/var/lib/faqbot")
    assert config.user_hash_secret == "k" and config.hash_secret() == "k"
    assert config.staff_notify_to == "C0123456789abcdef0123456789abcdef"
    assert (config.faq_reload_seconds, config.purge_interval) == (2.0, 600.0)


def test_production_needs_the_user_hash_secret() -> None:
    with pytest.raises(ConfigError, match="USER_HASH_SECRET must be set") as error:
        Config.from_environ(PRODUCTION)
    assert "production" in str(error.value)
    assert Config.from_environ({**PRODUCTION, "USER_HASH_SECRET": "k"}).hash_secret() == "k"


def test_a_local_run_gets_a_random_secret_per_process() -> None:
    config = Config.from_environ({})
    first, second = config.hash_secret(), config.hash_secret()
    assert len(first) == 64 and first != second


@pytest.mark.parametrize(
    "name, value",
    [("DATABASE_URL", "mysql://root:hunter2@db/faq"), ("STAFF_NOTIFY_TO", "staff-group"),
     ("STAFF_NOTIFY_TO", "U0123456789ABCDEF0123456789ABCDEF"), ("FAQ_RELOAD_SECONDS", "0"), ("PURGE_INTERVAL_SECONDS", "soon")],
)
def test_unusable_storage_and_staff_values_name_the_variable(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name) as error:
        Config.from_environ({name: value})
    assert "hunter2" not in str(error.value)  # a database URL holds a password: never echoed


def test_the_config_never_prints_its_secrets() -> None:
    config = Config.from_environ({**PRODUCTION, "USER_HASH_SECRET": "hash-key", "DATABASE_URL": "postgres://u:pw@h/d"})
    for secret in ("hash-key", "pw@", "'s'", "'t'"):
        assert secret not in repr(config)
