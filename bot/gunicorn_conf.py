"""gunicorn settings for the Procfile's `web:` process.

Two worker processes by default: webhook events are claimed in the database, so a
redelivered event is answered once whichever worker (or instance) receives it, and one
worker busy loading a FAQ edit or restarting leaves the other answering. Threads give each
process its concurrency; replies are sent from the app's own worker pool.
Before any worker starts, `on_starting` checks the configuration and the FAQ files, so a
production start without USER_HASH_SECRET, with an unusable setting or with FAQ_DIR pointing
nowhere stops with one clear line (exit status 1) instead of workers failing to boot.
Then the master imports the module of the app it serves (and with it every module a worker
needs to build the app), once: a worker,
the first ones and every replacement, forks with them loaded and only builds the app, and
the imported code and objects stay in pages shared with the master and the other workers.
On SIGTERM each worker stops accepting requests, then `worker_exit` waits for the events it
already acknowledged to be answered, within `graceful_timeout`.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import time

from bot.config import ConfigError, check_faq_dir, load_config
from bot.logs import ACCESS_FORMAT, log_fields, logging_config
from bot.privacy import SECRET_VARIABLE

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = 30
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
keepalive = 5
# No runtime control socket: its default path in $HOME clashes between instances on one host.
control_socket_disable = True
accesslog = "-"
access_log_format = ACCESS_FORMAT
logconfig_dict = logging_config(os.environ.get("LOG_LEVEL", "INFO"))
# The app and its threads are built in each worker after the fork, never in the master
# (importing modules there is fine: an import builds no app, opens nothing, starts no thread).
preload_app = False
# The Procfile's app module: `import bot.webapp` loads Flask, the LINE SDK, SQLAlchemy,
# SudachiPy, numpy and the bot.
DEFAULT_APP_MODULE = "bot.webapp"
# Kept back from graceful_timeout so the drain ends before the master's SIGKILL: gthread
# first lingers up to 2 s for kept-alive connections, then worker_exit drains.
DRAIN_MARGIN = 4.0

log = logging.getLogger("bot.gunicorn")


def on_starting(server) -> None:
    """Refuse to start on a configuration the app would refuse, before forking workers that would crash."""
    try:
        config = load_config()
        check_faq_dir(config)
    except ConfigError as exc:
        log_fields(log, "startup_refused", error=str(exc), level=logging.ERROR)
        # gunicorn prints a RuntimeError from the master as "Error: ..." and exits with 1.
        raise RuntimeError(f"configuration: {exc}") from None
    if not config.user_hash_secret:
        # A local run (production refused above): one random key for every worker of this
        # server, so a user's hash, handoff and deletion do not depend on which worker answers.
        os.environ[SECRET_VARIABLE] = config.hash_secret()
    import_worker_modules(worker_modules(server))


def worker_modules(server) -> tuple[str, ...]:
    """The module of the app gunicorn serves (`bot.webapp` for `bot.webapp:create_app()`)."""
    uri = getattr(getattr(server, "app", None), "app_uri", None)
    return (uri.split(":", 1)[0] if uri else DEFAULT_APP_MODULE,)


def import_worker_modules(modules: tuple[str, ...] = (DEFAULT_APP_MODULE,)) -> None:
    """Import once in the master what every worker would import after the fork."""
    started = time.monotonic()
    # No collection while importing (hundreds of thousands of new objects, none garbage), then
    # freeze them all: a worker's collections never write to these objects' pages, which
    # stay shared with the master and the other workers instead of being copied into each.
    gc.disable()
    try:
        for name in modules:
            importlib.import_module(name)
    finally:
        gc.freeze()
        gc.enable()
    log_fields(log, "worker_modules_imported", modules=",".join(modules), frozen=gc.get_freeze_count(),
               ms=round((time.monotonic() - started) * 1000))


def pre_fork(server, worker) -> None:
    """Freeze what the master allocated since the last fork, so the new worker shares it too."""
    gc.freeze()


def worker_exit(server, worker) -> None:
    """Finish the events this worker acknowledged before the process goes."""
    runtime = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("faqbot")
    if runtime is None:
        return
    started = time.monotonic()
    budget = max(0.0, server.cfg.graceful_timeout - DRAIN_MARGIN)
    drained = runtime.close(min(budget, runtime.config.drain_timeout))
    log_fields(log, "worker_drained", worker_pid=worker.pid, complete=drained, ms=round((time.monotonic() - started) * 1000))


def on_exit(server) -> None:
    log_fields(log, "server_stopped")
