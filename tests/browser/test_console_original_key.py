"""The key a tenant was created with, revoked from the console, on a tenant of its own (every other browser test
calls the API with the demo tenant's original key): after the owner clicks Revoke, the platform answers that key
with 401 — through the gateway, from more than one service — while the owner's sign-in keeps working. Revoke
first asks: a page says what revoking it does, and nothing is revoked until the owner says yes there."""

from __future__ import annotations

import httpx2
from playwright.async_api import BrowserContext, expect

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
