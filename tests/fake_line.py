"""A fake LINE Messaging API on loopback: records every request, answers as scripted.

With `single_use_reply_tokens`, it keeps LINE's rule that a reply token works once: a reply
that LINE acted on (a 2xx answer, even one that reaches the client late or never) uses the
token up, and a later reply with it gets 400 "Invalid reply token".
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Behaviour:
    status: int = 200
    body: Any = None  # JSON body; None means LINE's usual success body
    delay: float = 0.0  # seconds before answering; "hangs" are long delays
    close: bool = False  # after the delay, drop the connection without any response


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    request_id: str
    peer_port: int = 0  # the client's local port: which process sent it (see /proc/net/tcp)
    status: int | None = None  # set when the answer is sent
    answered_at: float | None = None
    closed: bool = False  # the connection was dropped without a response
    accepted: bool = False  # LINE acted on it (a 2xx), whether or not the client saw the answer

    @property
    def json(self) -> Any:
        return json.loads(self.body)


SUCCESS = {"sentMessages": [{"id": "1", "quoteToken": "q"}]}
REPLY_PATH = "/v2/bot/message/reply"
INVALID_REPLY_TOKEN = Behaviour(400, {"message": "Invalid reply token"})


@dataclass
class FakeLine:
    """Start with `start()`, point LINE_API_ENDPOINT at `url`, stop with `stop()`."""

    delay: float = 0.0  # default for requests without a scripted behaviour
    single_use_reply_tokens: bool = False
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._scripts: dict[str, list[Behaviour]] = {}
        self._lock = threading.Condition()
        self._release = threading.Event()
        self._ids = itertools.count(1)
        self._used_tokens: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda request, address: None  # clients that gave up
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FakeLine":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # let "hanging" answers finish at once
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def script(self, path: str, *behaviours: Behaviour) -> None:
        """The next requests to `path` get these answers, in order; then the default."""
        with self._lock:
            self._scripts.setdefault(path, []).extend(behaviours)

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._scripts.clear()
            self._used_tokens.clear()

    def to(self, path: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, count: int, *, path: str | None = None, answered: bool = True, timeout: float = 5.0) -> list[Recorded]:
        """Block until `count` requests (to `path`) arrived (and were answered)."""

        def ready() -> list[Recorded] | None:
            found = [r for r in self.requests if (path is None or r.path == path) and (not answered or r.status is not None or r.closed)]
            return found if len(found) >= count else None

        with self._lock:
            self._lock.wait_for(lambda: ready() is not None, timeout)
            return ready() or [r for r in self.requests if path is None or r.path == path]

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        record = Recorded("POST", handler.path, {k.lower(): v for k, v in handler.headers.items()}, body,
                          f"req-{next(self._ids)}", peer_port=handler.client_address[1])
        with self._lock:
            self.requests.append(record)
            token = self._reply_token(record)
            if token is not None and token in self._used_tokens:
                behaviour = INVALID_REPLY_TOKEN
            else:
                script = self._scripts.get(handler.path)
                behaviour = script.pop(0) if script else Behaviour(delay=self.delay)
                if 200 <= behaviour.status < 300 and not behaviour.close:
                    # LINE acts on a request when it takes it; the answer may come late or never.
                    record.accepted = True
                    if token is not None:
                        self._used_tokens.add(token)
            self._lock.notify_all()
        if behaviour.delay:
            self._release.wait(behaviour.delay)
        if behaviour.close:
            with self._lock:
                record.closed = True
                record.answered_at = time.monotonic()
                self._lock.notify_all()
            handler.close_connection = True  # no status line, no headers: the client sees EOF
            return
        payload = json.dumps(SUCCESS if behaviour.body is None and behaviour.status < 300 else behaviour.body or {}).encode()
        # Recorded before the bytes go out, so a client that has its answer always finds it here.
        with self._lock:
            record.status = behaviour.status
            record.answered_at = time.monotonic()
            self._lock.notify_all()
        try:
            handler.send_response(behaviour.status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.send_header("x-line-request-id", record.request_id)
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the client timed out and went away

    def _reply_token(self, record: Recorded) -> str | None:
        if not self.single_use_reply_tokens or record.path != REPLY_PATH:
            return None
        try:
            token = json.loads(record.body).get("replyToken")
        except (ValueError, AttributeError):
            return None
        return token if isinstance(token, str) else None
