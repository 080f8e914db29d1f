"""The local chat simulator: a LINE-like page and a JSON endpoint over the same `Conversation`.

Staff and newcomers talk to the bot without a LINE channel. The endpoint turns a simulated
event into an `Incoming` exactly as the webhook does and returns the LINE message objects
unchanged, with the decision behind them ("why") for staff. The page renders those objects.
The app that registers the blueprint provides `app.extensions["faqbot"].conversation`.
"""

from __future__ import annotations

import hmac
import logging
import re
import uuid
from importlib import resources
from typing import Any, Mapping

from flask import Blueprint, Flask, Response, current_app, jsonify, redirect, render_template_string, request, url_for

from .conversation import FOLLOW, MEDIA, POSTBACK, TEXT, Incoming, Reply
from .logs import log_fields

log = logging.getLogger(__name__)

TEXT_MAX = 5000  # LINE's limit for a text message
POSTBACK_MAX = 300  # LINE's limit for postback data and displayText
# The message types a LINE user can send besides text; the bot treats them all alike.
MEDIA_TYPES = frozenset({"sticker", "image", "video", "audio", "file", "location"})
_USER_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
DEFAULT_USER_ID = "Usimulator"
TOKEN_HEADER = "X-Simulator-Token"


class BadEvent(ValueError):
    """The request body is not an event the simulator accepts (a 400, never a 500)."""


def register_simulator(app: Flask, *, line_configured: bool, environ: Mapping[str, str]) -> bool:
    """Add the simulator without LINE credentials, or with them only behind SIMULATOR_TOKEN."""
    token = (environ.get("SIMULATOR_TOKEN") or "").strip() or None
    if line_configured and token is None:
        return False
    app.register_blueprint(simulator_blueprint(token))
    if "/" not in {rule.rule for rule in app.url_map.iter_rules()}:
        # Opening the printed host in a browser lands on the chat (the token, if any, is kept).
        app.add_url_rule("/", "simulator_home", lambda: redirect(url_for("simulator.page", **request.args)))
    return True


def simulator_blueprint(token: str | None = None) -> Blueprint:
    """The page at /simulator/ and POST /simulator/api/events; with `token`, both require it."""
    bp = Blueprint(
        "simulator", __name__, url_prefix="/simulator", static_folder="static", static_url_path="/static"
    )

    @bp.before_request
    def require_token() -> Response | None:
        if not token:
            return None
        given = request.args.get("token") or request.headers.get(TOKEN_HEADER) or ""
        if hmac.compare_digest(given.encode(), token.encode()):
            return None
        return _error("シミュレーターのトークンが必要です(?token= または X-Simulator-Token)", 403)

    @bp.get("/")
    def page() -> str:
        # Links carry the token so the browser's own requests (CSS, JS, API) pass the check.
        query = {"token": token} if token else {}
        html = resources.files(__package__).joinpath("static/simulator.html").read_text(encoding="utf-8")
        return render_template_string(
            html,
            css=url_for("simulator.static", filename="simulator.css", **query),
            js=url_for("simulator.static", filename="simulator.js", **query),
            api=url_for("simulator.events", **query),
        )

    @bp.post("/api/events")
    def events() -> tuple[Response, int] | Response:
        try:
            incoming = parse_event(request.get_json(silent=True))
        except BadEvent as error:
            return _error(str(error), 400)
        runtime = current_app.extensions.get("faqbot")
        if runtime is None:
            return _error("ボットが設定されていません(app.extensions['faqbot'] がありません)", 503)
        reply = runtime.conversation.handle(incoming)
        # The event id and kinds only: message text and user ids never go to the log.
        log_fields(log, "simulator_event", event_id=incoming.event_id, event=incoming.kind, reply=reply.kind)
        return jsonify({"messages": reply.messages, "why": why(reply)})

    return bp


def parse_event(body: Any) -> Incoming:
    """A simulated event body as the `Incoming` a LINE webhook event of that type becomes."""
    if not isinstance(body, dict):
        raise BadEvent("JSON オブジェクトを送ってください")
    kind = body.get("type")
    user_id = body.get("userId", DEFAULT_USER_ID)
    if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id):
        raise BadEvent("userId は英数字・-・_ の 64 文字以内です")
    event_id = "sim-" + uuid.uuid4().hex
    if kind == "text":
        text = _string(body, "text", TEXT_MAX)
        return Incoming(TEXT, user_id, text, event_id)
    if kind == "postback":
        data = _string(body, "data", POSTBACK_MAX)
        if "displayText" in body:
            _string(body, "displayText", POSTBACK_MAX)  # shown by the page only, as LINE does
        return Incoming(POSTBACK, user_id, data, event_id)
    if kind == "follow":
        return Incoming(FOLLOW, user_id, "", event_id)
    if kind in MEDIA_TYPES:
        return Incoming(MEDIA, user_id, "", event_id)
    types = ", ".join(["text", "postback", "follow", *sorted(MEDIA_TYPES)])
    raise BadEvent(f"type は次のどれかです: {types}")


def _string(body: dict, name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadEvent(f"{name} は空でない文字列です")
    if len(value) > limit:
        raise BadEvent(f"{name} は {limit} 文字以内です")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates from JSON escapes: LINE never sends them, the tokenizer rejects them.
        raise BadEvent(f"{name} に不正な文字が含まれています") from None
    return value


def why(reply: Reply) -> dict[str, Any]:
    """What was decided, for the staff line under each reply."""
    answer = reply.answer
    candidates = [{"id": c.id, "score": c.score} for c in answer.candidates] if answer else []
    return {
        "kind": reply.kind,
        "entry_id": answer.entry_id if answer else None,
        "score": answer.score if answer else None,
        "runner_up": candidates[1] if len(candidates) > 1 else None,
        "candidates": candidates,
    }


def _error(message: str, status: int) -> tuple[Response, int]:
    return jsonify({"error": message}), status
