"""The Flask app factory: builds the answering core, the LINE sender and the worker pool once.

`create_app()` reads the environment (and `.env`); tests pass a `Config` or a mapping of
variables. Importing this module does nothing else. The pieces are kept in
`app.extensions["faqbot"]` (a `Runtime`) for later features to plug into.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable, Mapping

from flask import Flask

from .answering import Answerer
from .config import Config, ConfigError, load_config
from .conversation import Conversation
from .dedup import Dedup, MemoryDedup
from .dispatcher import Dispatcher
from .handler import EventHandler
from .line_api import LineApi
from .logs import log_fields
from .settings import Settings
from .simulator import register_simulator
from .webhook import bp as webhook_bp

log = logging.getLogger(__name__)

URI_MAX = 1000  # LINE's limit for a URI action


@dataclass
class Runtime:
    config: Config
    conversation: Conversation
    answerer: Callable[[], Answerer]  # the FAQ version in use right now
    dispatcher: Dispatcher
    dedup: Dedup
    line: LineApi | None = None  # None when LINE credentials are not set
    handler: EventHandler | None = None
    closed: bool = field(default=False, init=False)

    @property
    def configured(self) -> bool:
        return self.handler is not None

    def close(self, timeout: float | None = None) -> bool:
        """Finish accepted events (up to `timeout` seconds), then release connections."""
        drained = self.dispatcher.drain(self.config.drain_timeout if timeout is None else timeout)
        if self.line is not None and drained and not self.closed:
            self.line.close()
        self.closed = True
        return drained


def create_app(config: Config | Mapping[str, str] | None = None, *, answerer: Answerer | None = None) -> Flask:
    if config is None:
        config = load_config()
    elif not isinstance(config, Config):
        config = Config.from_environ(config)
    if answerer is None:
        answerer = Answerer.from_directory(config.faq_dir, environ=dict(config.environ))
    check_settings(answerer.settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["faqbot"] = build_runtime(config, answerer)
    app.register_blueprint(webhook_bp)
    register_simulator(app, line_configured=config.line_configured, environ=config.environ)
    log_fields(
        log, "app_started", faq_version=answerer.version, entries=len(answerer.knowledge.entries),
        line="configured" if config.line_configured else "not-configured", workers=config.workers, queue=config.queue_size,
        placeholders=",".join(answerer.settings.placeholders()) or None,
    )
    return app


def build_runtime(config: Config, answerer: Answerer) -> Runtime:
    dispatcher = Dispatcher(workers=config.workers, capacity=config.queue_size)
    dedup = MemoryDedup(config.dedup_ttl)
    # The conversation asks the runtime each time, so replacing `runtime.answerer` (a reload)
    # takes effect for the next event.
    conversation = Conversation(lambda: runtime.answerer())
    runtime = Runtime(config, conversation, lambda: answerer, dispatcher, dedup)
    if config.line_configured:
        runtime.line = LineApi(
            endpoint=config.api_endpoint,
            access_token=config.access_token,
            connect_timeout=config.api_connect_timeout,
            timeout=config.api_timeout,
            push_attempts=config.push_attempts,
            push_backoff=config.push_backoff,
        )
        runtime.handler = EventHandler(conversation, runtime.line, _CurrentDedup(runtime), user_key=config.channel_secret)
    return runtime


class _CurrentDedup:
    """Claims through whatever `runtime.dedup` is now, so a database-backed one can be swapped in."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def claim(self, event_id: str) -> bool:
        return self._runtime.dedup.claim(event_id)


def check_settings(settings: Settings) -> None:
    """Refuse to start with a booking URL LINE would reject in every answer's button."""
    url = settings.booking_url
    if not url.startswith("https://") or len(url) > URI_MAX:
        raise ConfigError(f"BOOKING_URL / booking_url must be an https:// URL of at most {URI_MAX} characters, got {url[:80]!r}")
