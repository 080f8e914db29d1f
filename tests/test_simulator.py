"""The simulator's page and JSON endpoint, through Flask's test client."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask

from bot.answering import Answerer
from bot.conversation import Conversation, Incoming, Reply
from bot.privacy import hash_user
from bot.simulator import register_simulator, simulator_blueprint
from bot.store import Store
from bot.webapp import create_app
from bot.webhook import WebhookEndpoint

REPO = Path(__file__).resolve().parent.parent
STATIC = REPO / "bot" / "static"
BOOKING = "https://clinic.example/booking"
API = "/simulator/api/events"


@pytest.fixture(scope="module")
def sim_answerer() -> Answerer:
    return Answerer.from_directory(REPO / "faq", environ={"BOOKING_URL": BOOKING, "CLINIC_PHONE": "03-1234-5678"})


@dataclass
class Recording:
    """The real conversation, remembering what it was handed."""

    conversation: Conversation
    seen: list[Incoming] = field(default_factory=list)

    def handle(self, incoming: Incoming) -> Reply:
        self.seen.append(incoming)
        return self.conversation.handle(incoming)


@dataclass
class Runtime:
    conversation: Recording


def make_app(answerer: Answerer, token: str | None = None) -> Flask:
    app = Flask(__name__)
    app.extensions["faqbot"] = Runtime(Recording(Conversation(lambda: answerer)))
    app.register_blueprint(simulator_blueprint(token))
    return app


@pytest.fixture
def app(sim_answerer: Answerer) -> Flask:
    return make_app(sim_answerer)


@pytest.fixture
def client(app: Flask):
    return app.test_client()


def seen(app: Flask) -> list[Incoming]:
    return app.extensions["faqbot"].conversation.seen


def uris(messages: list[dict]) -> list[str]:
    """Every uri action anywhere in the messages."""
    found: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "uri" and "uri" in node:
                found.append(node["uri"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(messages)
    return found


def test_text_returns_the_messages_line_would_get_and_why(client, app, sim_answerer: Answerer) -> None:
    response = client.post(API, json={"type": "text", "text": "ニキビに効く?", "userId": "U" + "a" * 32})
    assert response.status_code == 200
    data = response.get_json()
    expected = sim_answerer.answer("ニキビに効く?")
    assert data["messages"] == json.loads(json.dumps(expected.messages))
    assert data["messages"][0]["contents"]["footer"]["contents"][0]["action"]["uri"] == BOOKING
    why = data["why"]
    assert (why["kind"], why["entry_id"], why["score"]) == ("answer", "acne", expected.score)
    assert why["candidates"] == [{"id": c.id, "score": c.score} for c in expected.candidates]
    assert why["runner_up"] == why["candidates"][1]
    [incoming] = seen(app)
    assert (incoming.kind, incoming.user_id, incoming.text) == ("text", "U" + "a" * 32, "ニキビに効く?")
    assert re.fullmatch(r"sim-[0-9a-f]{32}", incoming.event_id)


def test_urgent_text_gets_the_call_now_reply_without_booking(client) -> None:
    data = client.post(API, json={"type": "text", "text": "息が苦しいです"}).get_json()
    assert [m["type"] for m in data["messages"]] == ["text", "template"]
    assert uris(data["messages"]) == ["tel:0312345678", "tel:119"]
    assert data["why"] == {"kind": "urgent", "entry_id": None, "score": 0.0, "runner_up": None, "candidates": []}


def test_postback_answers_that_entry(client, app) -> None:
    body = {"type": "postback", "data": "faq:exosome-beauty", "displayText": "エクソソームにはどんな美容効果が期待できますか?"}
    data = client.post(API, json=body).get_json()
    assert data["messages"][0]["type"] == "flex"
    assert data["messages"][0]["contents"]["header"]["contents"][0]["text"] == body["displayText"]
    assert data["why"] == {
        "kind": "answer",
        "entry_id": "exosome-beauty",
        "score": 100.0,
        "runner_up": None,
        "candidates": [{"id": "exosome-beauty", "score": 100.0}],
    }
    # The webhook sees the data, never the displayText (LINE sends only the data).
    assert seen(app)[0].kind == "postback" and seen(app)[0].text == "faq:exosome-beauty"


def test_unknown_postback_gets_the_non_text_reply(client, sim_answerer: Answerer) -> None:
    data = client.post(API, json={"type": "postback", "data": "faq:no-such-entry"}).get_json()
    assert data["messages"] == sim_answerer.non_text()
    assert data["why"]["kind"] == "unknown-postback"


def test_follow_replays_the_greeting(client, app, sim_answerer: Answerer) -> None:
    data = client.post(API, json={"type": "follow"}).get_json()
    assert data["messages"] == sim_answerer.welcome()
    assert data["messages"][0]["text"].startswith("友だち追加ありがとうございます")
    assert data["why"] == {"kind": "welcome", "entry_id": None, "score": None, "runner_up": None, "candidates": []}
    assert seen(app)[0].kind == "follow" and seen(app)[0].user_id == "Usimulator"


@pytest.mark.parametrize("kind", ["sticker", "image", "video", "audio", "file", "location"])
def test_media_gets_the_non_text_reply(client, app, sim_answerer: Answerer, kind: str) -> None:
    data = client.post(API, json={"type": kind}).get_json()
    assert data["messages"] == sim_answerer.non_text()
    assert data["why"]["kind"] == "non-text"
    assert seen(app)[0].kind == "media"


def test_each_event_gets_its_own_event_id(client, app) -> None:
    for _ in range(3):
        assert client.post(API, json={"type": "follow"}).status_code == 200
    assert len({i.event_id for i in seen(app)}) == 3


def test_text_of_exactly_5000_characters_is_accepted(client) -> None:
    response = client.post(API, json={"type": "text", "text": "あ" * 5000})
    assert response.status_code == 200
    assert response.get_json()["why"]["kind"] == "fallback"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"type": "text", "text": "あ" * 5001}, "5000"),
        ({"type": "text"}, "text"),
        ({"type": "text", "text": ""}, "text"),
        ({"type": "text", "text": 42}, "text"),
        ({"type": "text", "text": "a\ud800b"}, "不正な文字"),
        ({"type": "postback"}, "data"),
        ({"type": "postback", "data": "faq:" + "x" * 300}, "300"),
        ({"type": "postback", "data": "faq:acne", "displayText": ["x"]}, "displayText"),
        ({"type": "beacon"}, "type"),
        ({"text": "ニキビ"}, "type"),
        ({"type": "follow", "userId": "../../etc"}, "userId"),
        ({"type": "follow", "userId": 7}, "userId"),
        (["text", "ニキビ"], "JSON"),
        ("ニキビ", "JSON"),
    ],
)
def test_bad_events_are_400_with_a_json_error(client, app, body, message: str) -> None:
    response = client.post(API, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert message in response.get_json()["error"]
    assert seen(app) == []


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("{not json", "application/json"), ('{"type": "follow"}', "text/plain"), ("", "application/json")],
)
def test_unparsable_bodies_are_400_with_a_json_error(client, data: str, content_type: str) -> None:
    response = client.post(API, data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]


def test_get_on_the_api_is_not_allowed(client) -> None:
    assert client.get(API).status_code == 405


def test_without_the_bot_runtime_the_api_says_so(sim_answerer: Answerer) -> None:
    app = Flask(__name__)
    app.register_blueprint(simulator_blueprint())
    response = app.test_client().post(API, json={"type": "follow"})
    assert response.status_code == 503
    assert "faqbot" in response.get_json()["error"]


def test_message_text_is_never_logged(client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    user = "U" + "c" * 32
    client.post(API, json={"type": "text", "text": "ヒミツの質問ニキビ", "userId": user})
    client.post(API, json={"type": "postback", "data": "faq:acne", "displayText": "ヒミツの表示", "userId": user})
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.simulator"]
    assert len(logged) == 2
    assert re.fullmatch(r"simulator_event event_id=sim-[0-9a-f]{32} event=text reply=[a-z-]+", logged[0])
    assert re.fullmatch(r"simulator_event event_id=sim-[0-9a-f]{32} event=postback reply=answer", logged[1])
    assert "ヒミツ" not in caplog.text and "faq:acne" not in caplog.text and user not in caplog.text


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.labels: list[str] = []
        self.script_api: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("href", "src") and v and not v.startswith("data:")]
        if tag == "label" and values.get("for"):
            self.labels.append(values["for"])
        if tag == "script":
            self.script_api = values.get("data-api")


def test_page_loads_only_its_own_assets(client) -> None:
    response = client.get("/simulator/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    links = _Links()
    links.feed(response.get_data(as_text=True))
    assert links.urls == ["/simulator/static/simulator.css", "/simulator/static/simulator.js"]
    assert links.script_api == API
    assert "message" in links.labels  # the input has a label
    for url in links.urls:
        asset = client.get(url)
        assert asset.status_code == 200
        asset.close()


def test_assets_need_no_network_and_never_parse_message_html() -> None:
    css = (STATIC / "simulator.css").read_text(encoding="utf-8")
    js = (STATIC / "simulator.js").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css
    assert "innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js
    assert not re.search(r"\bimport\b|[\"'`]https?://", js)  # no modules or URLs from elsewhere


@pytest.fixture
def locked(sim_answerer: Answerer):
    return make_app(sim_answerer, token="s3cret-token").test_client()


@pytest.mark.parametrize("path", ["/simulator/", "/simulator/static/simulator.js", "/simulator/static/simulator.css"])
@pytest.mark.parametrize("given", [{}, {"query_string": {"token": "wrong"}}, {"headers": {"X-Simulator-Token": "s3cret"}}])
def test_with_a_token_every_route_needs_it(locked, path: str, given: dict) -> None:
    response = locked.get(path, **given)
    assert response.status_code == 403
    assert "token" in response.get_json()["error"]


def test_with_a_token_the_api_needs_it(locked) -> None:
    assert locked.post(API, json={"type": "follow"}).status_code == 403
    assert locked.post(API + "?token=s3cret-token", json={"type": "follow"}).status_code == 200
    assert locked.post(API, json={"type": "follow"}, headers={"X-Simulator-Token": "s3cret-token"}).status_code == 200


def test_with_a_token_the_page_links_carry_it(locked) -> None:
    response = locked.get("/simulator/?token=s3cret-token")
    assert response.status_code == 200
    links = _Links()
    links.feed(response.get_data(as_text=True))
    assert links.urls == [
        "/simulator/static/simulator.css?token=s3cret-token",
        "/simulator/static/simulator.js?token=s3cret-token",
    ]
    assert links.script_api == API + "?token=s3cret-token"
    for url in links.urls:
        asset = locked.get(url)
        assert asset.status_code == 200
        asset.close()
    assert locked.get("/simulator/", headers={"X-Simulator-Token": "s3cret-token"}).status_code == 200


def test_without_a_token_nothing_is_required(client) -> None:
    assert client.get("/simulator/").status_code == 200
    assert client.post(API, json={"type": "follow"}).status_code == 200


# --- wiring ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line_configured", "environ", "registered", "token_needed"),
    [
        (False, {}, True, False),
        (False, {"SIMULATOR_TOKEN": "  "}, True, False),
        (False, {"SIMULATOR_TOKEN": "s3cret-token"}, True, True),
        (True, {}, False, None),
        (True, {"SIMULATOR_TOKEN": ""}, False, None),
        (True, {"SIMULATOR_TOKEN": "s3cret-token"}, True, True),
    ],
)
def test_register_simulator_follows_the_line_credentials_and_token(
    sim_answerer: Answerer, line_configured: bool, environ: dict, registered: bool, token_needed: bool | None
) -> None:
    app = Flask(__name__)
    app.extensions["faqbot"] = Runtime(Recording(Conversation(lambda: sim_answerer)))
    assert register_simulator(app, line_configured=line_configured, environ=environ) is registered
    status = app.test_client().post(API, json={"type": "follow"}).status_code
    if not registered:
        assert status == 404 and "simulator" not in app.blueprints
    else:
        assert status == (403 if token_needed else 200)


def test_the_real_app_factory_runtime_answers_through_the_simulator(sim_answerer: Answerer, tmp_path) -> None:
    app = create_app({"DATA_DIR": str(tmp_path)}, answerer=sim_answerer)  # no LINE credentials: the factory turns the simulator on
    try:
        data = app.test_client().post(API, json={"type": "text", "text": "ニキビに効く?"}).get_json()
        assert (data["why"]["kind"], data["why"]["entry_id"]) == ("answer", "acne")
        assert isinstance(app.wsgi_app, WebhookEndpoint) and app.test_client().get("/simulator/").status_code == 200
    finally:
        app.extensions["faqbot"].close(1)


def test_handoff_and_the_question_log_see_simulated_users(sim_answerer: Answerer, sqlite_store: Store) -> None:
    app = Flask(__name__)
    conversation = Conversation(lambda: sim_answerer, store=sqlite_store, secret="pepper")
    app.extensions["faqbot"] = Runtime(Recording(conversation))
    app.register_blueprint(simulator_blueprint())
    client = app.test_client()
    alice, bob = "U" + "a" * 32, "U" + "b" * 32

    def say(user: str, text: str) -> dict:
        return client.post(API, json={"type": "text", "text": text, "userId": user}).get_json()

    assert say(alice, "料金は?")["why"]["kind"] == "answer"
    assert say(alice, "スタッフと話したい")["why"]["kind"] == "handoff"
    silent = say(alice, "ダウンタイムは?")
    assert silent == {"messages": [], "why": {"kind": "handoff-silent", "entry_id": None, "score": None,
                                             "runner_up": None, "candidates": []}}
    assert say(bob, "ダウンタイムは?")["why"]["kind"] == "answer"  # another patient is still answered
    assert say(alice, "自動応答に戻る")["why"]["kind"] == "handoff-ended"
    assert say(alice, "ダウンタイムは?")["why"]["kind"] == "answer"
    logged = sqlite_store.questions(datetime(2000, 1, 1, tzinfo=timezone.utc), datetime.now(timezone.utc) + timedelta(days=1))
    assert [(r.kind, r.user_hash) for r in logged] == [
        ("answer", hash_user(alice, "pepper")),
        ("handoff", hash_user(alice, "pepper")),
        ("answer", hash_user(bob, "pepper")),
        ("answer", hash_user(alice, "pepper")),
    ]


def test_the_site_root_leads_to_the_simulator(sim_answerer: Answerer, tmp_path) -> None:
    app = create_app({"DATA_DIR": str(tmp_path)}, answerer=sim_answerer)
    try:
        response = app.test_client().get("/")
        assert response.status_code == 302 and response.headers["Location"].endswith("/simulator/")
    finally:
        app.extensions["faqbot"].close(1)


def test_with_line_credentials_the_simulator_is_off_unless_a_token_is_set(sim_answerer: Answerer, tmp_path) -> None:
    credentials = {"LINE_CHANNEL_SECRET": "s" * 32, "LINE_CHANNEL_ACCESS_TOKEN": "t" * 40,
                   "DATA_DIR": str(tmp_path), "USER_HASH_SECRET": "k" * 32}
    app = create_app(credentials, answerer=sim_answerer)
    try:
        assert app.test_client().get("/simulator/").status_code == 404
    finally:
        app.extensions["faqbot"].close(1)
    app = create_app({**credentials, "SIMULATOR_TOKEN": "open-sesame"}, answerer=sim_answerer)
    try:
        client = app.test_client()
        assert client.get("/simulator/").status_code == 403
        assert client.get("/simulator/?token=open-sesame").status_code == 200
    finally:
        app.extensions["faqbot"].close(1)
