"""Webhook service configuration: environment variables (and `.env`) to one frozen dataclass."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from dotenv import dotenv_values

from .paths import default_faq_dir
from .privacy import SECRET_VARIABLE, PrivacyConfigError, user_hash_secret
from .store import DEFAULT_DATA_DIR, normalise_url

DEFAULT_API_ENDPOINT = "https://api.line.me"
# Where a push can go: a user (U...), a group (C...) or a room (R...), 32 hex digits after.
LINE_TARGET = re.compile(r"[UCR][0-9a-f]{32}")


class ConfigError(ValueError):
    """A setting is present but unusable; the message names the variable."""


@dataclass(frozen=True)
class Config:
    channel_secret: str = ""
    access_token: str = ""
    api_endpoint: str = DEFAULT_API_ENDPOINT
    faq_dir: Path = field(default_factory=default_faq_dir)
    # The variables clinic settings are overridden from (BOOKING_URL, CLINIC_PHONE, ...).
    environ: Mapping[str, str] = field(default_factory=dict)
    max_body_bytes: int = 1_000_000  # LINE's bodies are a few KB even with many events
    workers: int = 16  # reply threads mostly wait on LINE: 4 could not keep up with a 1.5 s API (docs/benchmarks.md)
    queue_size: int = 200
    dedup_ttl: float = 24 * 3600.0
    # How long a claimed event that was never completed (its worker was killed) stays with that
    # worker before a redelivery of it is answered; keep it above `longest_event`.
    event_lease: float = 90.0
    api_connect_timeout: float = 3.0
    api_timeout: float = 10.0  # reply tokens live about a minute; a hung call must not eat it
    push_attempts: int = 3
    push_backoff: float = 0.5
    drain_timeout: float = 20.0
    # Persistence and the staff loop.
    database_url: str | None = None  # normalised PostgreSQL/SQLite URL; None: SQLite under data_dir
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    user_hash_secret: str = ""  # keys the user-id hashes; required in production
    staff_notify_to: str | None = None  # LINE user/group/room id that gets handoff and urgent notices
    faq_reload_seconds: float = 0.5  # how often the FAQ files are checked for edits
    purge_interval: float = 3600.0  # seconds between automatic deletions of expired rows

    @property
    def line_configured(self) -> bool:
        return bool(self.channel_secret and self.access_token)

    @property
    def longest_event(self) -> float:
        """Seconds LINE's API can hold one event: the reply, then an urgent message's push attempts."""
        call = self.api_connect_timeout + self.api_timeout
        backoff = sum(self.push_backoff * 2**attempt for attempt in range(self.push_attempts - 1))
        return call * (1 + self.push_attempts) + backoff

    @property
    def production(self) -> bool:
        """Real patients can reach the bot: what it keeps must then survive restarts and stay private."""
        return self.line_configured

    def __repr__(self) -> str:
        # Never print the channel secret, the token, the hash key or a database password.
        return f"Config(line={'configured' if self.line_configured else 'not-configured'}, faq_dir={str(self.faq_dir)!r})"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> "Config":
        """Build from a mapping of environment variables; unset or empty ones keep the default."""
        values: dict = {"environ": dict(environ)}

        def text(name: str, attribute: str) -> None:
            value = (environ.get(name) or "").strip()
            if value:
                values[attribute] = value

        def number(name: str, attribute: str, kind: type, minimum: float) -> None:
            raw = (environ.get(name) or "").strip()
            if not raw:
                return
            try:
                value = kind(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a number, got {raw!r}") from None
            if value < minimum:
                raise ConfigError(f"{name} must be at least {minimum}, got {raw!r}")
            values[attribute] = value

        text("LINE_CHANNEL_SECRET", "channel_secret")
        text("LINE_CHANNEL_ACCESS_TOKEN", "access_token")
        text("LINE_API_ENDPOINT", "api_endpoint")
        if environ.get("FAQ_DIR"):
            values["faq_dir"] = Path(environ["FAQ_DIR"])
        number("WEBHOOK_MAX_BODY_BYTES", "max_body_bytes", int, 1024)
        number("WEBHOOK_WORKERS", "workers", int, 1)
        number("WEBHOOK_QUEUE_SIZE", "queue_size", int, 1)
        number("DEDUP_TTL_SECONDS", "dedup_ttl", float, 1)
        number("EVENT_LEASE_SECONDS", "event_lease", float, 1)
        number("LINE_API_CONNECT_TIMEOUT", "api_connect_timeout", float, 0.01)
        number("LINE_API_TIMEOUT", "api_timeout", float, 0.01)
        number("LINE_PUSH_ATTEMPTS", "push_attempts", int, 1)
        number("LINE_PUSH_BACKOFF", "push_backoff", float, 0)
        number("WEBHOOK_DRAIN_TIMEOUT", "drain_timeout", float, 0)
        number("FAQ_RELOAD_SECONDS", "faq_reload_seconds", float, 0.1)
        number("PURGE_INTERVAL_SECONDS", "purge_interval", float, 1)
        endpoint = values.get("api_endpoint", DEFAULT_API_ENDPOINT)
        if not endpoint.startswith(("https://", "http://")):
            raise ConfigError(f"LINE_API_ENDPOINT must be an http(s) URL, got {endpoint!r}")
        values["api_endpoint"] = endpoint.rstrip("/")
        url = (environ.get("DATABASE_URL") or "").strip()
        if url:
            try:
                values["database_url"] = normalise_url(url)
            except ValueError as exc:  # the message names the accepted forms, never the URL (it holds a password)
                raise ConfigError(str(exc)) from None
        if (environ.get("DATA_DIR") or "").strip():
            values["data_dir"] = Path(environ["DATA_DIR"].strip())
        text(SECRET_VARIABLE, "user_hash_secret")
        target = (environ.get("STAFF_NOTIFY_TO") or "").strip()
        if target:
            if not LINE_TARGET.fullmatch(target):
                raise ConfigError(
                    "STAFF_NOTIFY_TO must be a LINE user id (U + 32 hex digits) or group id (C + 32 hex digits), "
                    f"got {len(target)} characters starting with {target[:1]!r}"
                )
            values["staff_notify_to"] = target
        config = cls(**values)
        if config.production:
            config.hash_secret()  # refuse to start a production bot that could not keep ids private
        return config

    def hash_secret(self) -> str:
        """The key for user-id hashes: USER_HASH_SECRET, required in production.

        A local run without it gets a random key for this process (and a warning).
        """
        try:
            return user_hash_secret({SECRET_VARIABLE: self.user_hash_secret}, production=self.production)
        except PrivacyConfigError as exc:
            raise ConfigError(f"{exc}; it is required because LINE credentials are set (a production run)") from None


def read_environment(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> dict[str, str]:
    """The process environment over the `.env` file (in the working directory) when there is one."""
    environ = os.environ if environ is None else environ
    dotenv = Path.cwd() / ".env" if dotenv is None else dotenv
    merged: dict[str, str] = {}
    if dotenv.is_file():
        merged.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    merged.update(environ)
    return merged


def load_config(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Config:
    return Config.from_environ(read_environment(environ, dotenv))


def check_faq_dir(config: Config) -> None:
    """Refuse to serve without usable FAQ files: a `ConfigError` naming the folder (and each problem).

    Reads and validates the files (not the matching index), so a start with FAQ_DIR pointing
    nowhere stops in a moment with one line, before any worker boots.
    """
    from .faq import load_knowledge  # the YAML loader is not needed to read the settings
    from .yamlfile import FaqFileError

    directory = config.faq_dir
    if not directory.is_dir():
        raise ConfigError(f"FAQ directory not found: {directory} (set FAQ_DIR to the folder with entries.yaml, "
                          "synonyms.yaml and settings.yaml)")
    try:
        load_knowledge(directory, environ=dict(config.environ))
    except FaqFileError as exc:
        raise ConfigError(f"the FAQ files in {directory} have errors (run 'faqbot check'):\n{exc}") from None

