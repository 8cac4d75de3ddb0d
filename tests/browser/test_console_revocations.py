"""Revoking a key from the console asks first, on one confirmation page for every kind of key: it says what
revoking that key does, and nothing is revoked until the owner says yes there (not even by a form posted without
that yes, as a page without JavaScript or an old tab would).

The key a tenant was created with is revoked on a tenant of its own (every other browser test calls the API with
the demo tenant's original key): after the yes, the platform answers that key with 401 — through the gateway, from
more than one service — while the owner's sign-in keeps working. A widget key: cancelled first, then revoked, after
which the widget's API refuses it. (An issued API key goes the same way in test_console.py.)"""

from __future__ import annotations

import httpx2
from playwright.async_api import BrowserContext, Page, expect

from libs.events import EventLog
from tests.browser.conftest import WebPlatform, assert_accessible, new_account, own_tenant, screenshot, sign_in
from tests.support import eventually


async def test_the_owner_revokes_the_tenants_original_key(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient, event_log: EventLog
) -> None:
    mine = await own_tenant(event_log, api, web_platform, "Original key")
    owner = await new_account(api, mine, role="owner")
    page = await context.new_page()
    await sign_in(page, mine, owner, "/console/keys")
    original = page.locator("#api-keys tr[data-key=original]")
    await expect(original).to_contain_text("active")
    await original.get_by_role("button", name="Revoke").click()
    await expect(page.get_by_role("heading", name="Revoke the tenant's original key?")).to_be_visible()
    await expect(page.locator("#consequences")).to_contain_text("cannot be undone")
    await expect(page.get_by_role("alert")).to_contain_text("no other active owner API key")
    await assert_accessible(page)
    await screenshot(page, "console-keys-revoke-original-confirm")
    assert (await api.get("/v1/tickets/api-keys", headers=mine.headers())).status_code == 200, "not before the yes"
    await page.get_by_role("button", name="Yes, revoke the original key").click()
    await expect(page.get_by_role("status").first).to_contain_text("original key is revoked")
    await expect(original).to_contain_text("revoked")
    await expect(original.get_by_role("button")).to_have_count(0)
    await assert_accessible(page)
    await screenshot(page, "console-keys-original-revoked")

    async def refused() -> bool:
        paths = ("/v1/tickets/api-keys", "/v1/agent/releases", "/v1/conversations")
        answers = [(await api.get(p, headers=mine.headers())).status_code for p in paths]
        return answers == [401, 401, 401]

    await eventually(refused, timeout=15, what="every service to refuse the revoked original key")
    await page.reload()
    await expect(original).to_contain_text("revoked")  # the owner's own sign-in still works


async def post_without_confirmation(page: Page, action: str) -> None:
    """The revoke form as it was before the confirmation page: CSRF token, no ``confirm``."""
    csrf = await page.locator("input[name=_csrf]").first.input_value()
    async with page.expect_navigation():
        await page.evaluate(
            """([action, csrf]) => {
                const form = Object.assign(document.createElement("form"), {method: "post", action});
                const token = {type: "hidden", name: "_csrf", value: csrf};
                form.append(Object.assign(document.createElement("input"), token));
                document.body.append(form);
                form.submit();
            }""",
            [action, csrf],
        )


async def test_revoking_a_widget_key_asks_first_and_a_form_without_the_yes_revokes_nothing(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    owner = await new_account(api, web_platform, role="owner")
    site = "https://revoke-me.example"
    created = await api.post(
        "/v1/conversations/widget-keys", headers=web_platform.headers(), json={"allowed_origins": [site]}
    )
    assert created.status_code == 201, created.text
    key_id, widget_key = created.json()["key_id"], created.json()["widget_key"]

    async def chat_status() -> int:
        headers = {"X-Widget-Key": widget_key, "Origin": site}
        return (await api.post("/v1/conversations/chat", headers=headers)).status_code

    page = await context.new_page()
    await sign_in(page, web_platform, owner, "/console/keys")
    row = page.locator(f"#widget-keys tr[data-key={key_id}]")
    await row.get_by_role("button", name="Revoke").click()
    await expect(page.get_by_role("heading", name="Revoke this widget key?")).to_be_visible()
    await expect(page.locator("#confirm-subject")).to_contain_text(site)
    await expect(page.locator("#consequences")).to_contain_text(f"stops working on {site}")
    await expect(page.locator("#consequences")).to_contain_text("open chats are closed")
    await assert_accessible(page)
    await screenshot(page, "console-keys-revoke-widget-confirm")
    await page.get_by_role("link", name="Cancel").click()
    await expect(row).to_contain_text("active")

    await post_without_confirmation(page, f"/console/keys/widget/{key_id}/revoke")
    await expect(page.get_by_role("heading", name="Revoke this widget key?")).to_be_visible()
    assert await chat_status() != 401, "a revoke form without the yes revoked the key"

    await page.get_by_role("button", name="Yes, revoke this widget key").click()
    await expect(page.get_by_role("status").first).to_contain_text("Widget key revoked")
    await expect(row).to_contain_text("revoked")
    await expect(row.get_by_role("button")).to_have_count(0)
    assert await chat_status() == 401
    await page.goto(f"{web_platform.base}/console/keys/widget/{key_id}/revoke")
    await expect(page.locator("#consequences")).to_have_text("This key is already revoked.")
    await expect(page.get_by_role("button", name="Yes, revoke this widget key")).to_have_count(0)
