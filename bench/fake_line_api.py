"""A fake LINE Messaging API for load runs: answers every call after a set delay, records each reply.

Unlike the test suite's recording fake it keeps only what a load run needs (reply token, path,
arrival time) and is built for many concurrent connections: a deep listen backlog, one thread
per connection, and no per-request scan of what came before. Loopback only.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SUCCESS = json.dumps({"sentMessages": [{"id": "1", "quoteToken": "q"}]}).encode()


@dataclass(frozen=True)
class Arrival:
    path: str
    reply_token: str | None  # None for calls other than reply, or an unreadable body
    at: float  # time.monotonic() when the request had been read, before the delay


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default 5 drops connections from a bot that opens one per reply

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up mid-answer


class FakeMessagingApi:
    """`start()`, point LINE_API_ENDPOINT at `url`, read `arrivals()`, `stop()`.

    `delay` (seconds) may be changed while running; it applies to calls that arrive afterwards.
    """

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self._arrivals: list[Arrival] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle on, the body of every answer on a
            # kept-alive connection would wait ~40 ms for the client's delayed ACK.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                fake._answer(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeMessagingApi":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # cut delays short so handler threads finish
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def arrivals(self) -> list[Arrival]:
        with self._lock:
            return list(self._arrivals)

    def count(self) -> int:
        with self._lock:
            return len(self._arrivals)

    def last_arrival(self) -> float | None:
        with self._lock:
            return self._arrivals[-1].at if self._arrivals else None

    def clear(self) -> None:
        with self._lock:
            self._arrivals.clear()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        arrived = time.monotonic()
        token = None
        if handler.path.endswith("/message/reply"):
            try:
                token = json.loads(body).get("replyToken")
            except (ValueError, AttributeError):
                pass
        with self._lock:
            self._arrivals.append(Arrival(handler.path, token, arrived))
        delay = self.delay
        if delay:
            self._stopping.wait(delay)
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(SUCCESS)))
            handler.send_header("x-line-request-id", f"fake-{next(self._ids)}")
            handler.end_headers()
            handler.wfile.write(SUCCESS)
        except OSError:
            pass  # the bot timed out and went away
