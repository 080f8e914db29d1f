"""The baseline for bench/webhook_load.py: a LINE bot written the way line-bot-sdk's Flask echo example is.

The SDK's pattern with its v3 classes: a `WebhookHandler` checks the signature and dispatches to
functions registered with `@handler.add(MessageEvent, message=TextMessageContent)`, and each
function calls `reply_message_with_http_info` inside the webhook request, with a fresh
`ApiClient` per event. So the webhook answers LINE only after LINE's API has answered the reply.

Departures from the example, none of which touch that path: the app is built by `create_app()`
(nothing happens at import), the request body is not logged, `LINE_API_ENDPOINT` can point the
client at a fake API, and `/healthz` tells the benchmark the worker is up.

Run the way the benchmark does, with the project's own gunicorn settings:
    gunicorn --config bot/gunicorn_conf.py --bind 127.0.0.1:8001 'bench.peer_echo:create_app()'
"""

from __future__ import annotations

import os

from flask import Flask, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi, ReplyMessageRequest, TextMessage
from linebot.v3.webhooks import MessageEvent, TextMessageContent


def create_app() -> Flask:
    configuration = Configuration(
        host=os.environ.get("LINE_API_ENDPOINT", "https://api.line.me"),
        access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"],
    )
    handler = WebhookHandler(os.environ["LINE_CHANNEL_SECRET"])
    app = Flask(__name__)

    @app.post("/callback")
    def callback():
        signature = request.headers["X-Line-Signature"]
        body = request.get_data(as_text=True)
        try:
            handler.handle(body, signature)
        except InvalidSignatureError:
            abort(400)
        return "OK"

    @app.get("/healthz")
    def healthz():
        return "OK"

    @handler.add(MessageEvent, message=TextMessageContent)
    def handle_message(event: MessageEvent) -> None:
        with ApiClient(configuration) as api_client:
            line_bot_api = MessagingApi(api_client)
            line_bot_api.reply_message_with_http_info(
                ReplyMessageRequest(reply_token=event.reply_token, messages=[TextMessage(text=event.message.text)])
            )

    return app
