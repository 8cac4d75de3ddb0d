"""Support e-mail addresses in the console, through the real flow: an admin adds an address, the platform mails a
code to it (through the mail relay, a local SMTP server here), a wrong code is refused with the reason, the right
one verifies it, and removing it asks first, then the API no longer lists it. The demo tenant's own address, pending,
is on the page from the start."""

from __future__ import annotations

import secrets

import httpx2
from playwright.async_api import BrowserContext, expect

from deskpilot.demo import SUPPORT_ADDRESS
from services.conversation.tests.fake_relay import Relay
from tests.browser.conftest import WebPlatform, assert_accessible, new_account, screenshot, sign_in
from tests.support import eventually

PATH = "/v1/conversations/email-addresses"


async def test_an_admin_adds_verifies_and_removes_a_support_address(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient, mail_relay: tuple[Relay, int]
) -> None:
    relay = mail_relay[0]
    address = f"help-{secrets.token_hex(4)}@shop.example"
    admin = await new_account(api, web_platform, role="admin")
    page = await context.new_page()
    await sign_in(page, web_platform, admin, "/console/email")
    await expect(page.locator("nav.tabs [aria-current=page]")).to_have_text("Support e-mail")
    # The demo tenant of `deskpilot up` comes with an address waiting for its code (mailed to the relay).
    demo = page.locator(f'#support-addresses tr[data-address="{SUPPORT_ADDRESS}"]')
    await expect(demo).to_contain_text("pending")
    await expect(demo.get_by_label(f"Code mailed to {SUPPORT_ADDRESS}")).to_be_visible()
    assert relay.verification_code(SUPPORT_ADDRESS) is not None

    before = len(relay.received)
    await page.get_by_label("Support address").fill(address)
    await page.get_by_role("button", name="Add and send a code").click()
    await expect(page.get_by_role("status").first).to_contain_text(f"A code is on its way to {address}")
    row = page.locator(f'#support-addresses tr[data-address="{address}"]')
    await expect(row).to_contain_text("pending")

    async def mailed() -> str | None:
        return relay.verification_code(address, before)

    code = await eventually(mailed, what=f"the verification code for {address} at the relay")
    wrong = "AAAAAAAAAA" if code != "AAAAAAAAAA" else "BBBBBBBBBB"
    await row.get_by_label(f"Code mailed to {address}").fill(wrong)
    await row.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("alert")).to_have_text(f"{address} is not verified: the code is wrong.")
    await expect(row).to_contain_text("pending")
    await assert_accessible(page)
    await screenshot(page, "console-support-addresses-wrong-code")

    await row.get_by_label(f"Code mailed to {address}").fill(code)
    await row.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("status").first).to_contain_text(f"{address} is verified")
    await expect(row).to_contain_text("verified")
    await expect(row.get_by_role("button", name="Send a new code")).to_have_count(0)
    listed = (await api.get(PATH, headers=web_platform.headers())).json()["items"]
    assert {"address": address, "status": "verified"} in listed
    await assert_accessible(page)
    await screenshot(page, "console-support-addresses")

    await row.get_by_role("button", name="Remove").click()
    await expect(page.get_by_role("heading", name="Remove this support address?")).to_be_visible()
    await expect(page.locator("#consequences")).to_contain_text(f"Mail sent to {address} is refused from now on")
    await assert_accessible(page)
    await screenshot(page, "console-support-address-remove-confirm")
    assert address in str((await api.get(PATH, headers=web_platform.headers())).json()), "not before the yes"
    await page.get_by_role("button", name="Yes, remove this address").click()
    await expect(page.get_by_role("status").first).to_have_text(f"{address} is removed.")
    await expect(row).to_have_count(0)
    assert address not in str((await api.get(PATH, headers=web_platform.headers())).json())
