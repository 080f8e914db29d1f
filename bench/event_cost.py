"""Where one event's CPU goes: the project's steps against the peer's, one thread, no load.

Run:  .venv/bin/python bench/event_cost.py
      .venv/bin/python bench/event_cost.py --profile 2000    (cProfile of the whole event, top functions)

Each step runs over the staff's regression questions (faq/regression.tsv) --repeat times and the
median per event is printed, in milliseconds. Replies go to the fake Messaging API
(bench/fake_line_api.py) on loopback with no delay, so the HTTP steps are the client's own work
plus one loopback round trip. "whole event" is what a gunicorn worker does for one webhook, minus
gunicorn itself: the app's WSGI call for POST /callback, then the queued handler (claim in SQLite,
answer, question log, reply, completion, log line), run in this thread. Complements the "CPU ms"
column of bench/webhook_load.py.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from linebot.v3 import WebhookParser  # noqa: E402
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage  # noqa: E402

from bench.fake_line_api import FakeMessagingApi  # noqa: E402
from bench.webhook_load import ACCESS_TOKEN, BOOKING_URL, SECRET, Event, make_events, questions  # noqa: E402
from bot.answering import Answerer  # noqa: E402
from bot.conversation import Conversation  # noqa: E402
from bot.line_api import LineApi  # noqa: E402
from bot.line_events import parse_body  # noqa: E402
from bot.logs import configure_logging  # noqa: E402
from bot.signature import verify  # noqa: E402
from bot.webapp import create_app  # noqa: E402


def per_call(calls: list[Callable[[], object]], repeat: int) -> float:
    """Median over `repeat` passes of the mean time of one call, in ms."""
    passes = []
    for _ in range(repeat):
        started = time.perf_counter()
        for call in calls:
            call()
        passes.append((time.perf_counter() - started) / len(calls))
    return statistics.median(passes) * 1000


class Inline:
    """A dispatcher that runs each job at once, in the caller's thread (so cProfile sees it)."""

    pending = 0
    accepting = True

    def submit(self, jobs: Sequence[Callable[[], object]]) -> bool:
        for job in jobs:
            job()
        return True


def whole_event(app: Any, event: Event) -> Callable[[], object]:
    """The app's WSGI call for one signed webhook, as gunicorn makes it."""
    def call() -> object:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/callback", "CONTENT_LENGTH": str(len(event.body)),
            "CONTENT_TYPE": "application/json", "HTTP_X_LINE_SIGNATURE": event.signature,
            "wsgi.input": io.BytesIO(event.body), "wsgi.input_terminated": True,
        }
        return b"".join(app(environ, lambda status, headers: None))
    return call


def log_to_devnull() -> None:
    """The log configuration gunicorn gets, writing nowhere: formatting and writing lines still costs."""
    configure_logging("INFO")
    for handler in logging.getLogger().handlers:
        handler.setStream(open(os.devnull, "w"))  # type: ignore[attr-defined]


def project_app(fake_url: str, data_dir: str) -> Any:
    app = create_app({
        "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN, "LINE_API_ENDPOINT": fake_url,
        "USER_HASH_SECRET": "bench", "DATA_DIR": data_dir, "BOOKING_URL": BOOKING_URL, "FAQ_DIR": str(REPO / "faq"),
    })
    return app


def profile(calls: list[Callable[[], object]], count: int, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(count):
        calls[i % len(calls)]()
    profiler.disable()
    stats = pstats.Stats(profiler)
    print(f"cProfile of {count} whole events ({stats.total_tt / count * 1000:.2f} ms each under the profiler)")
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", type=int, metavar="N", help="profile N whole events with cProfile instead")
    parser.add_argument("--top", type=int, default=30, help="functions listed by --profile (default 30)")
    args = parser.parse_args()

    fake = FakeMessagingApi().start()
    try:
        with tempfile.TemporaryDirectory(prefix="event-cost-") as data_dir:
            return measure(fake, data_dir, args)
    finally:
        fake.stop()


def measure(fake: FakeMessagingApi, data_dir: str, args: argparse.Namespace) -> int:
    pool = questions()
    events = make_events(len(pool), random.Random(7), pool)
    log_to_devnull()
    app = project_app(fake.url, data_dir)
    runtime = app.extensions["faqbot"]
    dispatcher, runtime.dispatcher = runtime.dispatcher, Inline()
    try:
        if args.profile:
            more = make_events(args.profile, random.Random(8), pool)  # unique event ids: each one is answered
            for call in [whole_event(app, e) for e in events[:20]]:  # warm caches and connections
                call()
            profile([whole_event(app, e) for e in more], args.profile, args.top)
            return 0
        parsed = [parse_body(e.body)[0] for e in events]
        answerer = Answerer.from_directory(REPO / "faq")
        conversation = Conversation(lambda: answerer)
        replies = [conversation.handle(event.incoming).messages for event in parsed]
        line = LineApi(endpoint=fake.url, access_token=ACCESS_TOKEN)
        webhook_parser = WebhookParser(SECRET)
        configuration = Configuration(host=fake.url, access_token=ACCESS_TOKEN)
        fresh = iter(make_events(len(pool) * (args.repeat + 1), random.Random(9), pool))

        def peer_reply(token: str, text: str) -> None:
            with ApiClient(configuration) as api_client:  # the SDK example's pattern: a client per event
                MessagingApi(api_client).reply_message_with_http_info(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text=text)]))

        rows = [
            ("project", "webhook: verify signature + parse", [lambda e=e: (verify(SECRET, e.body, e.signature), parse_body(e.body)) for e in events]),
            ("project", "Answerer.answer (matching)", [lambda e=e: answerer.answer(e.incoming.text) for e in parsed]),
            ("project", "Conversation.handle (answer + messages)", [lambda e=e: conversation.handle(e.incoming) for e in parsed]),
            ("project", "LineApi.reply (JSON + HTTP)", [lambda e=e, m=m: line.reply(e.reply_token, m, event_id=e.event_id) for e, m in zip(parsed, replies)]),
            ("project", "whole event (WSGI, store, log, reply)", [lambda: whole_event(app, next(fresh))() for _ in events]),
            ("peer", "WebhookHandler: verify + parse", [lambda e=e: webhook_parser.parse(e.body.decode(), e.signature, as_payload=True) for e in events]),
            ("peer", "reply: new ApiClient + TextMessage + HTTP", [lambda e=e, q=q: peer_reply(e.token, q) for e, q in zip(events, pool)]),
        ]
        for _, _, calls in rows:  # warm caches, thread-local tokenizers and connection pools
            for call in calls[:5]:
                call()
        print(f"{'server':<9}{'step (one event)':<44}{'ms':>7}")
        for server, step, calls in rows:
            print(f"{server:<9}{step:<44}{per_call(calls, args.repeat):>7.2f}")
        sizes = [len(str(m)) for m in replies]
        print(f"\nproject replies: {statistics.mean(len(m) for m in replies):.1f} messages, ~{statistics.mean(sizes) / 1000:.1f} kB of dicts per event; the peer's: 1 text message")
        line.close()
    finally:
        runtime.dispatcher = dispatcher
        runtime.close(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
