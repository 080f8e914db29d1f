"""`/callback`'s plain WSGI handler: the same answers in-process and behind gunicorn, for every
kind of request LINE (or anyone else) may send, and every other path still served by Flask."""

from __future__ import annotations

import io
import json
import socket
import time
from dataclasses import dataclass, field
from http.client import HTTPResponse
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from flask import Flask
from werkzeug.test import EnvironBuilder

import gunicorn_server
from bot.webhook import content_length
from fake_line import FakeLine
from line_payloads import body, signature, text_event

REPLY = "/v2/bot/message/reply"
LIMIT = 4096  # WEBHOOK_MAX_BODY_BYTES of both apps


@dataclass(frozen=True)
class Case:
    name: str
    status: int
    answer: dict[str, str] | None  # the JSON body; None for a HEAD (no body)
    raw: bytes = b""
    method: str = "POST"
    path: str = "/callback"
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False
    cut: int | None = None  # send only this many bytes of the body, then stop writing (a client gone)
    replied: bool = False  # the fake gets a reply for the event in `raw`
    extra: dict[str, str] = field(default_factory=dict)  # headers the answer must carry


def signed(raw: bytes, **headers: str) -> dict[str, str]:
    return {"Content-Type": "application/json", "X-Line-Signature": signature(raw), **headers}


def cases() -> list[Case]:
    """Fresh events each time: the two paths must not share event ids."""
    good = text_event("副作用はありますか")
    good_raw = body(good)
    redelivered = body(dict(good, deliveryContext={"isRedelivery": True}))
    lower = body(text_event("料金"))
    plain = body(text_event("ダウンタイムは"))
    chunked = body(text_event("予約したい"))
    large = body(text_event("料金" * 1000))
    assert len(large) > LIMIT
    ok, bad_signature = {"status": "ok"}, {"error": "bad-signature"}
    return [
        Case("good", 200, ok, good_raw, headers=signed(good_raw), replied=True),
        Case("redelivery", 200, ok, redelivered, headers=signed(redelivered)),  # answered once, above
        Case("lower-case-header", 200, ok, lower, headers={"x-line-signature": signature(lower)}, replied=True),
        Case("wrong-content-type", 200, ok, plain, headers=signed(plain, **{"Content-Type": "text/plain"}), replied=True),
        Case("chunked", 200, ok, chunked, headers=signed(chunked), chunked=True, replied=True),
        Case("verify", 200, ok, b'{"destination":"U0","events":[]}', headers=signed(b'{"destination":"U0","events":[]}')),
        Case("bad-signature", 400, bad_signature, good_raw, headers={"X-Line-Signature": "d3Jvbmc="}),
        Case("other-secret", 400, bad_signature, good_raw, headers={"X-Line-Signature": signature(good_raw, "other")}),
        Case("missing-signature", 400, {"error": "missing-signature"}, good_raw),
        Case("empty-signature", 400, {"error": "missing-signature"}, good_raw, headers={"X-Line-Signature": ""}),
        Case("bad-json", 400, {"error": "malformed-payload"}, b"{not json", headers=signed(b"{not json")),
        Case("not-a-payload", 400, {"error": "malformed-payload"}, b"[]", headers=signed(b"[]")),
        Case("too-large", 413, {"error": "payload too large"}, large, headers=signed(large)),
        Case("too-large-unsigned", 413, {"error": "payload too large"}, large),
        Case("too-large-chunked", 413, {"error": "payload too large"}, large, headers=signed(large), chunked=True),
        Case("client-gone-mid-body", 400, {"error": "incomplete-body"}, good_raw, headers=signed(good_raw), cut=40),
        Case("get", 405, {"error": "method not allowed"}, method="GET", extra={"Allow": "POST"}),
        Case("head", 405, None, method="HEAD", extra={"Allow": "POST", "Content-Length": "31"}),  # a GET's length
        Case("put", 405, {"error": "method not allowed"}, good_raw, method="PUT", headers=signed(good_raw)),
    ]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # lower-case names
    data: bytes


# -- the two ways in: the app called as WSGI, and gunicorn over a socket ------------------------

def call_wsgi(app: Flask, case: Case) -> Answer:
    builder = EnvironBuilder(path=case.path, method=case.method, headers=case.headers,
                             input_stream=io.BytesIO(case.raw[:case.cut] if case.cut else case.raw))
    environ = builder.get_environ()
    environ["CONTENT_LENGTH"] = str(len(case.raw))  # what the client announced
    if case.chunked:  # what gunicorn hands over for a chunked body: no length, an ended stream
        del environ["CONTENT_LENGTH"]
        environ.update(HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input_terminated": True})
    if not case.raw and case.method in ("GET", "HEAD"):
        del environ["CONTENT_LENGTH"]
    started: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        started.update(status=int(status.split()[0]), headers={k.lower(): v for k, v in headers})

    data = b"".join(app(environ, start_response))
    return Answer(started["status"], started["headers"], data)


def call_socket(url: str, case: Case) -> Answer:
    host, port = url.removeprefix("http://").split(":")
    headers = {"Host": f"{host}:{port}", "Connection": "close", **case.headers}
    if case.chunked:
        headers["Transfer-Encoding"] = "chunked"
        payload = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (case.raw[i:i + 1000] for i in range(0, len(case.raw), 1000)))
        payload += b"0\r\n\r\n"
    elif case.raw or case.method == "POST":
        headers["Content-Length"] = str(len(case.raw))
        payload = case.raw[:case.cut] if case.cut else case.raw
    else:
        payload = b""
    head = f"{case.method} {case.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(head.encode("latin-1") + payload)
        if case.cut:
            sock.shutdown(socket.SHUT_WR)
        response = HTTPResponse(sock, method=case.method)
        response.begin()
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())


@pytest.fixture(scope="module")
def server(module_fake: FakeLine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[gunicorn_server.Server]:
    server = gunicorn_server.start_server(module_fake, tmp_path_factory.mktemp("webhook") / "server.log",
                                          WEBHOOK_MAX_BODY_BYTES=str(LIMIT), WEB_CONCURRENCY="1")
    yield server
    assert server.stop() == 0, server.output()


@pytest.fixture(params=["wsgi", "gunicorn"])
def way_in(request, tmp_path: Path) -> Iterator[tuple[Callable[[Case], Answer], FakeLine, Callable[[], None]]]:
    if request.param == "wsgi":
        fake = request.getfixturevalue("fake_line")
        app = request.getfixturevalue("make_app")(WEBHOOK_MAX_BODY_BYTES=str(LIMIT))
        runtime = app.extensions["faqbot"]
        yield (lambda case: call_wsgi(app, case)), fake, (lambda: runtime.dispatcher.wait_idle(5))
    else:
        server = request.getfixturevalue("server")
        fake = request.getfixturevalue("module_fake")
        fake.reset()
        yield (lambda case: call_socket(server.url, case)), fake, (lambda: time.sleep(0.5))


def test_every_kind_of_request_gets_the_same_answer_both_ways(way_in) -> None:
    send, fake, settle = way_in
    table = cases()
    for case in table:
        answer = send(case)
        expected = b"" if case.answer is None else json.dumps(case.answer, separators=(",", ":")).encode() + b"\n"
        assert (answer.status, answer.data) == (case.status, expected), case.name
        assert answer.headers["content-type"] == "application/json", case.name
        if case.answer is not None:
            assert answer.headers["content-length"] == str(len(expected)), case.name
        for name, value in case.extra.items():
            assert answer.headers[name.lower()] == value, case.name
    settle()
    expected_tokens = sorted(json.loads(c.raw)["events"][0]["replyToken"] for c in table if c.replied)
    fake.wait_for(len(expected_tokens), path=REPLY)
    time.sleep(0.2)  # a doubled reply would show up now
    assert sorted(r.json["replyToken"] for r in fake.to(REPLY)) == expected_tokens


def test_other_paths_are_flasks(way_in) -> None:
    send, _, _ = way_in
    health = send(Case("healthz", 200, None, method="GET", path="/healthz"))
    assert health.status == 200 and json.loads(health.data)["status"] == "ok"
    assert send(Case("unknown", 404, None, method="GET", path="/callback/extra")).status == 404


@pytest.mark.parametrize(
    "environ, length",
    [({}, None), ({"CONTENT_LENGTH": ""}, None), ({"CONTENT_LENGTH": "12"}, 12), ({"CONTENT_LENGTH": " 7 "}, 7),
     ({"CONTENT_LENGTH": "-1"}, 0), ({"CONTENT_LENGTH": "abc"}, 0), ({"CONTENT_LENGTH": "١٢"}, 0),
     ({"CONTENT_LENGTH": "12", "HTTP_TRANSFER_ENCODING": "Chunked"}, None)],
)
def test_content_length_is_read_as_werkzeug_reads_it(environ: dict[str, str], length: int | None) -> None:
    assert content_length(environ) == length
