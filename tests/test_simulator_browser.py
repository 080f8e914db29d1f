"""The simulator page in a real browser: Debian's Chromium driven by Playwright, on a live server.

Needs /usr/bin/chromium and fonts-noto-cjk: `scripts/install-browser.sh` installs them.
Each test leaves a screenshot, simulator.png, in its tmp_path.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright
from werkzeug.serving import make_server

from bot.answering import Answerer
from bot.conversation import Conversation
from bot.simulator import simulator_blueprint

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
BOOKING = "https://clinic.example/booking"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@contextmanager
def serving(answerer: Answerer, token: str | None = None) -> Iterator[str]:
    """A minimal app with the simulator, on a free loopback port, for the block's duration."""
    app = Flask(__name__)
    app.extensions["faqbot"] = SimpleNamespace(conversation=Conversation(lambda: answerer))
    app.register_blueprint(simulator_blueprint(token))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/simulator/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def sim_answerer() -> Answerer:
    return Answerer.from_directory(REPO / "faq", environ={"BOOKING_URL": BOOKING, "CLINIC_PHONE": "03-1234-5678"})


@pytest.fixture(scope="module")
def url(sim_answerer: Answerer) -> Iterator[str]:
    with serving(sim_answerer) as address:
        yield address


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install-browser.sh (installs chromium and fonts-noto-cjk)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, url: str, tmp_path: Path) -> Iterator[Page]:
    """A fresh browser profile on the simulator; screenshots it when the test ends."""
    context = browser.new_context(viewport={"width": 480, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    yield page
    page.screenshot(path=tmp_path / "simulator.png", full_page=True)
    context.close()


def ask(page: Page, text: str) -> None:
    box = page.get_by_label("メッセージ")
    box.fill(text)
    box.press("Enter")


def last_reply(page: Page):
    return page.locator(".row-bot").last


def test_a_question_shows_the_flex_answer_with_the_booking_button(page: Page) -> None:
    ask(page, "ニキビに効く?")
    expect(page.locator(".bubble-user")).to_have_text("ニキビに効く?")
    bubble = last_reply(page).locator(".fx-bubble")
    expect(bubble.locator(".fx-header")).to_have_text("ニキビや肌荒れへの効果は期待できますか?")
    expect(bubble.locator(".fx-body .fx-text").first).to_contain_text("抗炎症作用")
    expect(bubble.locator(".fx-body [role=separator]")).to_have_count(1)
    expect(bubble.locator(".fx-body .fx-text").last).to_contain_text("自由診療")
    booking = bubble.get_by_role("link", name="予約・カウンセリング")
    expect(booking).to_have_attribute("href", BOOKING)
    expect(last_reply(page).locator(".why")).to_contain_text(re.compile(r"判定 answer ・ 項目 acne ・ スコア \d+\.\d ・ 次点 \S+"))
    # Input is cleared and quick-reply chips wait above it, the last one opening the booking page.
    expect(page.get_by_label("メッセージ")).to_have_value("")
    expect(page.locator("#quick-reply .chip").last).to_have_attribute("href", BOOKING)


def test_a_quick_reply_chip_sends_its_postback_and_gets_that_answer(page: Page) -> None:
    ask(page, "ニキビに効く?")
    page.locator("#quick-reply").get_by_role("button", name="エクソソームの美容効果").click()
    # The chip's displayText is shown as the patient's message, as the LINE app does.
    expect(page.locator(".bubble-user").last).to_have_text("エクソソームにはどんな美容効果が期待できますか?")
    expect(page.locator(".fx-bubble")).to_have_count(2)
    expect(last_reply(page).locator(".fx-header")).to_have_text("エクソソームにはどんな美容効果が期待できますか?")
    expect(last_reply(page).locator(".why")).to_have_text("判定 answer ・ 項目 exosome-beauty ・ スコア 100.0 ・ 次点 なし")


def test_an_urgent_message_shows_the_call_buttons_and_no_booking(page: Page) -> None:
    ask(page, "息が苦しいです")
    reply = last_reply(page)
    expect(reply.locator(".bubble-bot").first).to_contain_text("【至急】")
    card = reply.locator(".template-buttons")
    expect(card.locator(".template-title")).to_have_text("今すぐ電話する")
    expect(card.get_by_role("link", name="クリニックに電話")).to_have_attribute("href", "tel:0312345678")
    expect(card.get_by_role("link", name="119に電話(緊急時)")).to_have_attribute("href", "tel:119")
    expect(reply.locator(".why")).to_have_text("判定 urgent ・ スコア 0.0 ・ 次点 なし")
    expect(page.locator(f'a[href="{BOOKING}"]')).to_have_count(0)
    expect(page.locator(".fx-bubble")).to_have_count(0)
    expect(page.locator("#quick-reply")).to_be_hidden()


def test_an_out_of_scope_question_shows_the_fallback_with_booking_and_call_chips(page: Page) -> None:
    ask(page, "今日の天気は？")
    expect(last_reply(page).locator(".bubble-bot")).to_contain_text("このチャットではお答えできません")
    expect(last_reply(page).locator(".why")).to_contain_text("判定 fallback")
    chips = page.locator("#quick-reply")
    expect(chips.get_by_role("link", name="予約・カウンセリング")).to_have_attribute("href", BOOKING)
    expect(chips.get_by_role("link", name="電話する")).to_have_attribute("href", "tel:0312345678")
    # Chips belong to the last message only, as in the LINE app.
    ask(page, "ありがとう")
    expect(page.locator(".bubble-user").last).to_have_text("ありがとう")
    expect(last_reply(page).locator(".why")).to_have_text("判定 smalltalk ・ スコア 0.0 ・ 次点 なし")
    expect(chips.get_by_role("button", name="副作用・リスク")).to_be_visible()
    expect(chips.get_by_role("link", name="電話する")).to_have_count(0)


def test_the_follow_button_shows_the_greeting(page: Page) -> None:
    page.get_by_role("button", name="友だち追加").click()
    expect(page.locator(".notice").last).to_have_text("友だち追加しました")
    reply = last_reply(page)
    expect(reply.locator(".bubble-bot")).to_contain_text("友だち追加ありがとうございます")
    # URLs in text messages are links, as in the LINE app.
    expect(reply.locator(".bubble-bot").get_by_role("link", name=BOOKING)).to_have_attribute("href", BOOKING)
    expect(reply.locator(".why")).to_have_text("判定 welcome")
    expect(page.locator("#quick-reply .chip")).to_have_count(5)


def test_message_text_is_shown_as_text_never_as_html(page: Page) -> None:
    hostile = '<img src=x onerror="document.title=\'pwned\'">ニキビ<b>効く</b>'
    ask(page, hostile)
    expect(page.locator(".bubble-user")).to_have_text(hostile)
    expect(last_reply(page).locator(".why")).to_be_visible()
    expect(page.locator("#chat img")).to_have_count(0)
    expect(page.locator("#chat b")).to_have_count(0)
    assert page.title() != "pwned"


def test_the_simulated_user_id_is_kept_and_sent(page: Page) -> None:
    with page.expect_request("**/api/events") as first:
        page.get_by_role("button", name="スタンプを送る").click()
    user_id = first.value.post_data_json["userId"]
    assert re.fullmatch(r"U[0-9a-f]{32}", user_id)
    assert first.value.post_data_json["type"] == "sticker"
    expect(last_reply(page).locator(".why")).to_have_text("判定 non-text")
    page.reload()
    expect(page.locator("#user-id")).to_have_text(user_id)
    with page.expect_request("**/api/events") as second:
        ask(page, "料金は?")
    assert second.value.post_data_json == {"type": "text", "text": "料金は?", "userId": user_id}
    page.get_by_role("button", name="新しい利用者").click()
    expect(page.locator("#user-id")).not_to_have_text(user_id)
    expect(page.locator(".row")).to_have_count(0)


def test_unknown_shapes_fall_back_to_alt_text_and_silence_and_errors_are_shown(page: Page) -> None:
    canned = {
        "messages": [
            {"type": "imagemap", "altText": "イメージマップの代替テキスト", "baseUrl": "https://x.example"},
            {"type": "flex", "altText": "動画つきの代替テキスト", "contents": {"type": "bubble", "hero": {"type": "video"}}},
            {"type": "template", "altText": "カルーセルの代替テキスト", "template": {"type": "image_carousel"}},
        ],
        "why": {"kind": "answer", "entry_id": "x", "score": 99.0, "runner_up": {"id": "y", "score": 1.0}, "candidates": []},
    }

    silent = {"messages": [], "why": {"kind": "handoff-silent", "entry_id": None, "score": None, "runner_up": None, "candidates": []}}

    def fulfil(route: Route) -> None:
        kind = route.request.post_data_json["type"]
        if kind == "text":
            route.fulfill(json=canned)
        elif kind == "sticker":
            route.fulfill(json=silent)
        else:
            route.fulfill(status=400, json={"error": "type は次のどれかです"})

    page.route("**/api/events", fulfil)
    ask(page, "なんでも")
    alts = last_reply(page).locator(".alt")
    expect(alts).to_have_count(3)
    expect(alts.nth(1)).to_contain_text("動画つきの代替テキスト")
    expect(last_reply(page).locator(".why")).to_have_text("判定 answer ・ 項目 x ・ スコア 99.0 ・ 次点 y 1.0")
    page.get_by_role("button", name="スタンプを送る").click()
    expect(last_reply(page)).to_contain_text("(ボットは返信しません)")
    expect(last_reply(page).locator(".why")).to_have_text("判定 handoff-silent")
    page.get_by_role("button", name="友だち追加").click()
    expect(page.locator(".notice.error")).to_have_text("エラー: type は次のどれかです")


def test_with_a_token_the_page_works_when_opened_with_it(browser: Browser, sim_answerer: Answerer, tmp_path: Path) -> None:
    with serving(sim_answerer, token="s3cret-token") as address:
        context = browser.new_context(viewport={"width": 480, "height": 900})
        page = context.new_page()
        try:
            assert page.goto(address).status == 403
            page.goto(address + "?token=s3cret-token")
            ask(page, "ニキビに効く?")
            expect(last_reply(page).locator(".fx-header")).to_have_text("ニキビや肌荒れへの効果は期待できますか?")
            page.screenshot(path=tmp_path / "simulator.png", full_page=True)
        finally:
            context.close()
