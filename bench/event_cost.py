"""Where one event's CPU goes: the project's steps against the peer's, one thread, no load.

Run:  .venv/bin/python bench/event_cost.py

Each step runs over the staff's regression questions (faq/regression.tsv) --repeat times and the
median per event is printed, in milliseconds. Replies go to the fake Messaging API
(bench/fake_line_api.py) on loopback with no delay, so the HTTP steps are the client's own work
plus one loopback round trip. Complements the "CPU ms" column of bench/webhook_load.py.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from linebot.v3 import WebhookParser  # noqa: E402
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage  # noqa: E402

from bench.fake_line_api import FakeMessagingApi  # noqa: E402
from bench.webhook_load import ACCESS_TOKEN, SECRET, make_events, questions  # noqa: E402
from bot.answering import Answerer  # noqa: E402
from bot.conversation import Conversation  # noqa: E402
from bot.line_api import LineApi  # noqa: E402
from bot.line_events import parse_body  # noqa: E402
from bot.signature import verify  # noqa: E402


def per_call(calls: list[Callable[[], object]], repeat: int) -> float:
    """Median over `repeat` passes of the mean time of one call, in ms."""
    passes = []
    for _ in range(repeat):
        started = time.perf_counter()
        for call in calls:
            call()
        passes.append((time.perf_counter() - started) / len(calls))
    return statistics.median(passes) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    fake = FakeMessagingApi().start()
    try:
        pool = questions()
        events = make_events(len(pool), random.Random(7), pool)
        parsed = [parse_body(e.body)[0] for e in events]
        answerer = Answerer.from_directory(REPO / "faq")
        conversation = Conversation(lambda: answerer)
        replies = [conversation.handle(event.incoming).messages for event in parsed]
        line = LineApi(endpoint=fake.url, access_token=ACCESS_TOKEN)
        client = ApiClient(Configuration(host=fake.url, access_token=ACCESS_TOKEN))
        webhook_parser = WebhookParser(SECRET)
        configuration = Configuration(host=fake.url, access_token=ACCESS_TOKEN)

        def peer_reply(token: str, text: str) -> None:
            with ApiClient(configuration) as api_client:  # the SDK example's pattern: a client per event
                MessagingApi(api_client).reply_message_with_http_info(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text=text)]))

        def models(messages: list[dict]) -> object:
            request = ReplyMessageRequest.from_dict({"replyToken": "t", "messages": messages})
            return client.sanitize_for_serialization(request)

        rows = [
            ("project", "webhook: verify signature + parse", [lambda e=e: (verify(SECRET, e.body, e.signature), parse_body(e.body)) for e in events]),
            ("project", "Answerer.answer (matching)", [lambda e=e: answerer.answer(e.incoming.text) for e in parsed]),
            ("project", "Conversation.handle (answer + messages)", [lambda e=e: conversation.handle(e.incoming) for e in parsed]),
            ("project", "SDK models: from_dict + serialise", [lambda m=m: models(m) for m in replies]),
            ("project", "LineApi.reply (models + HTTP)", [lambda e=e, m=m: line.reply(e.reply_token, m, event_id=e.event_id) for e, m in zip(parsed, replies)]),
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
        client.close()
    finally:
        fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
