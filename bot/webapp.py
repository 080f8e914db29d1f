"""The Flask app factory: builds the answering core, the store, the LINE sender and the workers once.

`create_app()` reads the environment (and `.env`); tests pass a `Config` or a mapping of
variables. Importing this module does nothing else. The pieces are kept in
`app.extensions["faqbot"]` (a `Runtime`):

- the FAQ comes from a `LiveAnswerer` that swaps in staff edits as they are saved (a broken
  edit is refused and the last good version serves);
- the `Store` (SQLite under DATA_DIR, or PostgreSQL at DATABASE_URL) keeps the question log,
  handoffs and the webhook event ids, so an event is answered once across gunicorn workers
  and instances;
- STAFF_NOTIFY_TO, when set, gets a LINE push for every handoff and urgent message.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable, Mapping

from flask import Flask

from .answering import Answerer
from .config import Config, ConfigError, load_config
from .conversation import Conversation
from .dedup import Dedup, LayeredDedup, MemoryDedup, complete_claim
from .dispatcher import Dispatcher
from .faq import SETTINGS_FILE
from .handler import EventHandler
from .health import bp as health_bp
from .housekeeping import PurgeTimer
from .line_api import LineApi
from .logs import log_fields
from .reload import LiveAnswerer, StaticAnswerer
from .settings import Settings
from .simulator import register_simulator
from .staff_notify import StaffNotifier
from .store import EventClaims, Store, StoreUnavailable
from .webhook import install as install_webhook

log = logging.getLogger(__name__)

URI_MAX = 1000  # LINE's limit for a URI action


@dataclass
class Runtime:
    config: Config
    conversation: Conversation
    answerer: Callable[[], Answerer]  # the FAQ version in use right now
    dispatcher: Dispatcher
    dedup: Dedup
    faq: LiveAnswerer | StaticAnswerer  # the version provider: reload status for /healthz
    store: Store
    line: LineApi | None = None  # None when LINE credentials are not set
    handler: EventHandler | None = None
    notifier: StaffNotifier | None = None  # None without STAFF_NOTIFY_TO (or without LINE)
    purger: PurgeTimer | None = None
    closed: bool = field(default=False, init=False)

    @property
    def configured(self) -> bool:
        return self.handler is not None

    def close(self, timeout: float | None = None) -> bool:
        """Finish accepted events and staff notices (up to `timeout` seconds), then let go of everything."""
        budget = self.config.drain_timeout if timeout is None else timeout
        started = time.monotonic()
        drained = self.dispatcher.drain(budget)
        if self.notifier is not None:
            # Events finished first: the notices they queued go out in what is left of the budget.
            drained = self.notifier.close(max(0.0, budget - (time.monotonic() - started))) and drained
        if self.purger is not None:
            self.purger.stop()
        self.faq.stop()
        if drained and not self.closed:  # nothing runs that could still need a connection
            if self.line is not None:
                self.line.close()
            self.store.close()
        self.closed = True
        return drained


def create_app(config: Config | Mapping[str, str] | None = None, *, answerer: Answerer | None = None,
               store: Store | None = None) -> Flask:
    """The web app. `answerer` fixes the FAQ version (no file watching); `store` replaces the configured one."""
    if config is None:
        config = load_config()
    elif not isinstance(config, Config):
        config = Config.from_environ(config)
    runtime = build_runtime(config, answerer, store=store)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["faqbot"] = runtime
    app.register_blueprint(health_bp)
    register_simulator(app, line_configured=config.line_configured, environ=config.environ)
    install_webhook(app)
    current = runtime.answerer()
    log_fields(
        log, "app_started", faq_version=current.version, entries=len(current.knowledge.entries),
        line="configured" if config.line_configured else "not-configured", workers=config.workers, queue=config.queue_size,
        database=runtime.store.dialect, faq_watch=isinstance(runtime.faq, LiveAnswerer),
        staff_notify="on" if runtime.notifier is not None else "off",
        placeholders=",".join(current.settings.placeholders()) or None,
    )
    return app


def build_runtime(config: Config, answerer: Answerer | None = None, *, store: Store | None = None) -> Runtime:
    secret = config.hash_secret()  # ConfigError in production without USER_HASH_SECRET
    faq = _faq_provider(config, answerer)
    try:
        check_settings(faq.current().settings)
    except ConfigError:
        faq.stop()
        raise
    if store is None:
        store = Store.from_environment({}, data_dir=config.data_dir, url=config.database_url)
    _prepare(store)
    dispatcher = Dispatcher(workers=config.workers, capacity=config.queue_size)
    # A repeat this process saw is refused without a query; the database decides the rest.
    dedup = LayeredDedup(MemoryDedup(config.dedup_ttl), EventClaims(store, lease=timedelta(seconds=config.event_lease)))
    if config.event_lease < config.longest_event:
        # A live worker may still be on an event when its claim is taken over: the reply token
        # then works only once, but an urgent message could be pushed twice.
        log_fields(log, "event_lease_short", event_lease=config.event_lease, longest_event=config.longest_event,
                   level=logging.WARNING)
    line = _line_api(config) if config.line_configured else None
    notifier = None
    if config.staff_notify_to and line is not None:
        notifier = StaffNotifier(line, config.staff_notify_to)
    elif config.staff_notify_to:
        log_fields(log, "staff_notify_off", reason="line-not-configured", level=logging.WARNING)
    # The conversation asks the runtime each time, so replacing `runtime.answerer` (a reload)
    # takes effect for the next event.
    conversation = Conversation(lambda: runtime.answerer(), store=store, secret=secret, notify=notifier)
    runtime = Runtime(config, conversation, faq.current, dispatcher, dedup, faq, store, line=line, notifier=notifier)
    if line is not None:
        runtime.handler = EventHandler(conversation, line, _CurrentDedup(runtime), user_key=secret)
    runtime.purger = PurgeTimer(
        store, lambda: runtime.answerer().settings.privacy.retention_days, every=config.purge_interval
    ).start()
    return runtime


def _faq_provider(config: Config, answerer: Answerer | None) -> LiveAnswerer | StaticAnswerer:
    if answerer is not None:
        return StaticAnswerer(answerer)
    return LiveAnswerer(config.faq_dir, interval=config.faq_reload_seconds, environ=dict(config.environ),
                        validate=settings_problems)


def _line_api(config: Config) -> LineApi:
    return LineApi(
        endpoint=config.api_endpoint,
        access_token=config.access_token,
        connect_timeout=config.api_connect_timeout,
        timeout=config.api_timeout,
        push_attempts=config.push_attempts,
        push_backoff=config.push_backoff,
        pool_size=config.workers + 1,  # every reply worker, and the staff notices' thread
    )


def _prepare(store: Store) -> None:
    """Create or migrate the schema now; a database that is down is picked up on first use."""
    started = time.monotonic()
    try:
        store.create_schema()
    except StoreUnavailable as exc:
        log_fields(log, "database_unavailable", database=store.dialect, error=str(exc), level=logging.ERROR)
        return
    log_fields(log, "database_ready", database=store.dialect, ms=round((time.monotonic() - started) * 1000))


class _CurrentDedup:
    """Claims through whatever `runtime.dedup` is now, so a database-backed one can be swapped in."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime

    def claim(self, event_id: str) -> bool:
        return self._runtime.dedup.claim(event_id)

    def complete(self, event_id: str) -> None:
        complete_claim(self._runtime.dedup, event_id)


def settings_problems(answerer: Answerer) -> list[str]:
    """A reloaded version must pass what startup checks, in `faqbot check`'s `file: error: ...` form."""
    try:
        check_settings(answerer.settings)
    except ConfigError as exc:
        return [f"{answerer.knowledge.directory / SETTINGS_FILE}: error: {exc}"]
    return []


def check_settings(settings: Settings) -> None:
    """Refuse to start with a booking URL LINE would reject in every answer's button."""
    url = settings.booking_url
    if not url.startswith("https://") or len(url) > URI_MAX:
        raise ConfigError(f"BOOKING_URL / booking_url must be an https:// URL of at most {URI_MAX} characters, got {url[:80]!r}")
