"""The chat widget in a real browser: the demo page streams the agent's answer, survives a reload and a dropped
connection without losing or repeating a message, shows hostile text as text under a strict CSP, refuses to open a
conversation on a site its key does not allow, and falls back to server-sent events without WebSockets."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx2
from playwright.async_api import BrowserContext, Page, WebSocketRoute, expect

from tests.browser.conftest import (
    HostPages,
    WebPlatform,
    assert_accessible,
    assert_csp_blocks_inline_script,
    screenshot,
)
from tests.support import listening

ORDER_QUESTION = "where is my order #1001?"


async def ask(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    await box.fill(text)
    await box.press("Enter")


async def log_lines(page: Page) -> list[str]:
    """The widget's conversation as the customer reads it: one string per bubble or line."""
    texts: list[str] = await page.locator(".dp-log > *").evaluate_all("nodes => nodes.map(n => n.textContent)")
    return texts


async def conversations(api: httpx2.AsyncClient, platform: WebPlatform) -> set[str]:
    r = await api.get("/v1/conversations", params={"limit": 500}, headers=platform.headers())
    assert r.status_code == 200, r.text
    return {c["id"] for c in r.json()["items"]}


async def test_the_demo_page_streams_the_answer_word_by_word(
    context: BrowserContext, web_platform: WebPlatform
) -> None:
    page = await context.new_page()
    response = await page.goto(f"{web_platform.base}/widget/demo")
    assert response is not None
    assert response.ok
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    await assert_csp_blocks_inline_script(page)

    await ask(page, ORDER_QUESTION)
    await expect(page.locator(".dp-progress")).to_have_text("Looking up order #1001…")
    streaming = page.locator(".dp-streaming .dp-text")
    await expect(streaming).not_to_be_empty()
    partial = await streaming.text_content()
    await screenshot(page, "widget-streaming")

    answer = page.locator(".dp-ai .dp-text")
    await expect(page.locator(".dp-streaming")).to_have_count(0, timeout=30_000)
    final = await answer.text_content()
    assert final is not None
    assert partial is not None
    assert "1001" in final
    assert final.startswith(partial), (partial, final)
    assert len(final) > len(partial), "the first words were on screen before the rest was written"
    await assert_accessible(page)
    chat, text = await page.locator("#dp-panel").bounding_box(), await page.locator("body > main").bounding_box()
    assert chat is not None
    assert text is not None
    assert text["x"] + text["width"] <= chat["x"], "the demo page's own text is hidden behind the open chat"
    await screenshot(page, "widget-answered")

    # The home page (what `make up` opens first) leads to the demo, the inbox and the console.
    home = await page.goto(f"{web_platform.base}/")
    assert home is not None
    assert home.ok
    await assert_accessible(page)
    await screenshot(page, "home")
    await page.get_by_role("link", name="Chat widget demo").click()
    await page.wait_for_url(f"{web_platform.base}/widget/demo")


async def test_a_reload_and_a_dropped_connection_lose_nothing_and_repeat_nothing(
    context: BrowserContext, web_platform: WebPlatform
) -> None:
    page = await context.new_page()
    dropped = asyncio.Event()

    async def drop_once(ws: WebSocketRoute) -> None:
        """The first socket is cut once the agent starts working (its progress line), before the answer."""
        server = ws.connect_to_server()

        def to_page(message: str | bytes) -> None:
            ws.send(message)
            if not dropped.is_set() and '"progress"' in str(message):
                dropped.set()
                asyncio.get_running_loop().create_task(ws.close(code=1011, reason="dropped by the test"))

        server.on_message(to_page)

    await page.route_web_socket("**/v1/conversations/chat/*/ws*", drop_once)
    await page.goto(f"{web_platform.base}/widget/demo")
    await ask(page, ORDER_QUESTION)
    await asyncio.wait_for(dropped.wait(), 30)
    # The answer was written while the socket was down: the widget reconnects after the last position it showed.
    await expect(page.locator(".dp-ai .dp-text")).to_contain_text("1001", timeout=30_000)
    await expect(page.locator(".dp-streaming")).to_have_count(0, timeout=30_000)
    before = await log_lines(page)
    assert sum(ORDER_QUESTION in line for line in before) == 1, before
    assert sum("1001" in line and "AI assistant" in line for line in before) == 1, before

    await ask(page, "thanks")
    await expect(page.locator(".dp-ai")).to_have_count(2, timeout=30_000)
    await expect(page.locator(".dp-streaming")).to_have_count(0, timeout=30_000)
    await expect(page.locator(".dp-pending")).to_have_count(0)
    shown = await log_lines(page)

    await page.reload()
    await expect(page.locator(".dp-ai")).to_have_count(2, timeout=30_000)
    assert await log_lines(page) == shown


async def test_hostile_text_is_shown_as_text(context: BrowserContext, web_platform: WebPlatform) -> None:
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await page.goto(f"{web_platform.base}/widget/demo")
    payloads = [
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(2)">click me</a>',
        "[x](javascript:alert(3))",
    ]
    for payload in payloads:
        await ask(page, payload)
    for payload in payloads:
        await expect(page.locator(".dp-customer .dp-text", has_text=payload)).to_have_count(1)
    await expect(page.locator(".dp-pending")).to_have_count(0, timeout=30_000)
    assert await page.locator("#deskpilot-widget img, #deskpilot-widget a").count() == 0
    texts = await page.locator(".dp-customer .dp-text").all_text_contents()
    assert texts[: len(payloads)] == payloads
    # After a reload the same text comes back from the log, still as text.
    await page.reload()
    await expect(page.locator(".dp-customer .dp-text")).to_have_count(len(payloads), timeout=30_000)
    assert await page.locator(".dp-customer .dp-text").all_text_contents() == payloads
    assert await page.locator("#deskpilot-widget img, #deskpilot-widget a").count() == 0
    assert dialogs == []


def embedding_page(platform: WebPlatform, widget_key: str) -> str:
    return (
        "<!doctype html><html lang=en><head><title>Another shop</title></head><body><h1>Another shop</h1>"
        f'<script src="{platform.base}/widget.js" data-widget-key="{widget_key}" data-open async></script>'
        "</body></html>"
    )


async def test_a_site_the_key_does_not_allow_gets_no_conversation(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    hosts = HostPages()
    hosts.pages["/"] = embedding_page(web_platform, web_platform.widget_key)
    before = await conversations(api, web_platform)
    async with listening(hosts) as base:
        foreign = base.replace("127.0.0.1", "localhost")
        page = await context.new_page()
        refusals: list[int] = []
        page.on("response", lambda r: refusals.append(r.status) if "/v1/conversations/chat" in r.url else None)
        await page.goto(f"{foreign}/")
        await ask(page, ORDER_QUESTION)
        await expect(page.get_by_role("alert")).to_have_text("This chat is not available on this site.")
        await expect(page.get_by_label("Your message")).to_be_disabled()
        await screenshot(page, "widget-refused-origin")
    assert 403 in refusals
    assert await conversations(api, web_platform) == before


async def test_without_websockets_the_widget_uses_server_sent_events(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    hosts = HostPages()
    async with listening(hosts) as base:
        shop = base.replace("127.0.0.1", "localhost")
        r = await api.post(
            "/v1/conversations/widget-keys", headers=web_platform.headers(), json={"allowed_origins": [shop]}
        )
        assert r.status_code == 201, r.text
        hosts.pages["/"] = embedding_page(web_platform, r.json()["widget_key"])
        page = await context.new_page()
        await page.add_init_script("delete window.WebSocket")
        streams: list[str] = []
        page.on("request", lambda req: streams.append(req.url) if "/events?" in req.url else None)
        sockets: list[Any] = []

        def opened(socket: Any) -> None:  # a bound method is no handler for Playwright: a function
            sockets.append(socket)

        page.on("websocket", opened)
        await page.goto(f"{shop}/")
        await ask(page, ORDER_QUESTION)
        await expect(page.locator(".dp-ai .dp-text")).to_contain_text("1001", timeout=30_000)
        await expect(page.locator(".dp-progress")).to_have_count(1)
        assert streams
        assert not sockets
        # Reloaded, the page shows the same conversation once, from the log, and listens on SSE again.
        await page.reload()
        await expect(page.locator(".dp-ai")).to_have_count(1, timeout=30_000)
        await expect(page.locator(".dp-customer")).to_have_count(1)
        with contextlib.suppress(Exception):
            await page.close()
