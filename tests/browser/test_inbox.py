"""The inbox in a real browser: signing in (the session cookie as the browser keeps it) and out, and a forged form
from another origin. The whole handoff flow is in test_end_to_end.py."""

from __future__ import annotations

import re
from typing import Any

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
from tests.support import DEMO_REFUNDABLE_ORDER, eventually, listening

REFUND_PROCEDURE = "refund-within-30-days"


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
    boxes = [await page.get_by_label(name).bounding_box() for name in ("E-mail", "Password", "Organisation id")]
    heights, widths = {round(b["height"]) for b in boxes if b}, {round(b["width"]) for b in boxes if b}
    assert len(heights) == 1, f"inputs as tall as each other: {boxes}"
    assert len(widths) == 1, f"inputs as wide as each other: {boxes}"
    assert min(heights) >= 30, f"inputs a finger can hit: {boxes}"
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
        await assert_accessible(page)
        assert page.url.startswith(web_platform.base)

    events = (await api.get(f"/v1/conversations/{cid}/events", headers=web_platform.headers())).json()["events"]
    assert not [e for e in events if e["type"] == "human.replied"]


async def test_a_missed_target_is_marked_in_the_queue_as_it_happens(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    """A ticket whose first-response target passes is marked breached in the open queue (the sweep's
    ``sla.breached`` comes through the live feed), and the 'breaching' view lists it."""
    original = (await api.get("/v1/tickets/sla-policy", headers=web_platform.headers())).json()["items"]
    urgent = next(t for t in original if t["priority"] == "urgent")
    r = await api.put(
        "/v1/tickets/sla-policy/urgent",
        headers=web_platform.headers(),
        json={"first_response_seconds": 2, "resolution_seconds": 3600},
    )
    assert r.status_code == 200, r.text
    try:
        agent = await new_account(api, web_platform)
        page = await context.new_page()
        await sign_in(page, web_platform, agent, "/inbox?priority=urgent")
        await expect(page.locator("#queue[data-live-ready=true]")).to_have_count(1)
        r = await api.post("/v1/conversations", headers=web_platform.headers(), json={})
        cid = r.json()["id"]
        await api.post(
            f"/v1/conversations/{cid}/messages", headers=web_platform.headers(), json={"text": "a person please"}
        )

        async def ticket() -> str | None:
            log = (await api.get(f"/v1/conversations/{cid}/events", headers=web_platform.headers())).json()
            created = [e for e in log["events"] if e["type"] == "ticket.created"]
            return str(created[0]["payload"]["ticket_id"]) if created else None

        ticket_id = await eventually(ticket, timeout=30, what="the handoff's ticket")
        r = await api.patch(f"/v1/tickets/{ticket_id}", headers=web_platform.headers(), json={"priority": "urgent"})
        assert r.status_code == 200, r.text
        row = page.locator(f"tr[data-ticket={ticket_id}]")
        await expect(row.locator(".badge.urgent")).to_have_count(1, timeout=30_000)
        await expect(row.locator(".badge.breached")).to_have_text("SLA breached", timeout=30_000)
        await expect(row.locator("time.sla")).to_contain_text("breached")
        await page.goto(f"{web_platform.base}/inbox?view=breaching&priority=urgent")
        await expect(page.locator(f"tr[data-ticket={ticket_id}]")).to_have_count(1)
        await assert_accessible(page)
        await screenshot(page, "inbox-breaching")
    finally:
        await api.put(
            "/v1/tickets/sla-policy/urgent",
            headers=web_platform.headers(),
            json={k: urgent[k] for k in ("first_response_seconds", "resolution_seconds")},
        )


async def handoff_ticket(api: httpx2.AsyncClient, platform: WebPlatform) -> str:
    """A conversation whose customer asked for a person; returns its ticket's id."""
    cid = (await api.post("/v1/conversations", headers=platform.headers(), json={})).json()["id"]
    await api.post(f"/v1/conversations/{cid}/messages", headers=platform.headers(), json={"text": "a person please"})

    async def ticket() -> str | None:
        log = (await api.get(f"/v1/conversations/{cid}/events", headers=platform.headers())).json()
        created = [e for e in log["events"] if e["type"] == "ticket.created"]
        return str(created[0]["payload"]["ticket_id"]) if created else None

    return await eventually(ticket, timeout=30, what="the handoff's ticket")


async def test_take_over_is_offered_to_who_does_not_have_the_conversation(
    browser_contexts: tuple[BrowserContext, BrowserContext], web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    """The assignee sees that they handle it and can hand it back, not "Take over"; a colleague sees whom they
    would take it from; when the colleague takes it, the first agent's page changes to match without a reload."""
    alice = await new_account(api, web_platform, name="Alice Assignee")
    bob = await new_account(api, web_platform, name="Bob Colleague")
    ticket_id = await handoff_ticket(api, web_platform)
    r = await api.post(
        f"/v1/tickets/{ticket_id}/assignment", headers=web_platform.headers(), json={"agent_id": alice.agent_id}
    )
    assert r.status_code == 200, r.text
    pages = [await ctx.new_page() for ctx in browser_contexts]
    for page, account in zip(pages, (alice, bob), strict=True):
        await sign_in(page, web_platform, account, f"/inbox/tickets/{ticket_id}")
        await expect(page.locator("#live[data-live-ready=true]")).to_have_count(1)
    mine, theirs = (page.locator("#ticket-actions") for page in pages)

    await expect(mine.locator("#handling")).to_have_text("You are handling this conversation.")
    await expect(mine.get_by_role("button", name="Take over")).to_have_count(0)
    await expect(mine.get_by_role("button", name="Hand back to AI")).to_be_visible()
    await expect(mine.get_by_role("button", name="Resolve")).to_be_visible()
    await assert_accessible(pages[0])
    await screenshot(pages[0], "inbox-ticket-mine")

    await expect(theirs.locator("#handling")).to_have_text("Alice Assignee is handling this.")
    await expect(theirs.get_by_role("button", name="Hand back to AI")).to_have_count(0)
    await theirs.get_by_role("button", name="Take over from Alice Assignee").click()
    await expect(theirs.locator("#handling")).to_have_text("You are handling this conversation.")
    await expect(theirs.get_by_role("button", name="Take over")).to_have_count(0)
    await screenshot(pages[1], "inbox-ticket-taken-over")

    await expect(mine.get_by_role("button", name="Take over from Bob Colleague")).to_be_visible(timeout=30_000)
    await expect(mine.get_by_role("button", name="Hand back to AI")).to_have_count(0)

    await theirs.get_by_role("button", name="Hand back to AI").click()
    await expect(theirs.locator("#handling")).to_contain_text("The AI answers this conversation again")
    await expect(theirs.get_by_role("button", name="Hand back to AI")).to_have_count(0)
    await theirs.get_by_role("button", name="Resolve").click()
    await expect(theirs.locator("#handling")).to_have_text("Resolved: nothing to do.")
    await expect(theirs.get_by_role("button")).to_have_count(0)


async def test_a_rejected_action_never_runs_and_the_ai_carries_on(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    """A refund above the tenant's approval threshold waits in the inbox; the agent rejects it with a reason: the
    refund is not made, the transcript says who denied it, and the AI answers the customer again. The demo's refund
    procedure is set aside meanwhile: order 1003 is the store's one refundable order, and the end-to-end test (run
    before this one on the same platform) refunds part of it, after which the procedure rightly blocks any refund."""
    headers = web_platform.headers()
    policy = (await api.get("/v1/agent/policy", headers=headers)).json()
    rule = {"tool": "refund_order", "argument": "amount", "above": "100"}
    r = await api.put("/v1/agent/policy", headers=headers, json=policy | {"approval_rules": [rule]})
    assert r.status_code == 200, r.text
    procedure = f"/v1/agent/procedures/{REFUND_PROCEDURE}"
    kept = (await api.get(procedure, headers=headers)).json()["source"]
    assert (await api.delete(procedure, headers=headers)).status_code == 204
    try:
        agent = await new_account(api, web_platform, name="Rex Rejects")
        r = await api.patch(f"/v1/tickets/agents/{agent.agent_id}", headers=headers, json={"availability": "away"})
        assert r.status_code == 200, r.text
        ticket_id = await handoff_ticket(api, web_platform)
        cid = (await api.get(f"/v1/tickets/{ticket_id}", headers=headers)).json()["conversation_id"]
        page = await context.new_page()
        await sign_in(page, web_platform, agent, f"/inbox/tickets/{ticket_id}")
        await expect(page.locator("#live[data-live-ready=true]")).to_have_count(1)
        await page.get_by_role("button", name="Take over").click()
        await page.get_by_role("button", name="Hand back to AI").click()
        await expect(page.locator("#handling")).to_contain_text("The AI answers this conversation again")

        async def events(kind: str) -> list[dict[str, Any]]:
            log = (await api.get(f"/v1/conversations/{cid}/events", headers=headers)).json()["events"]
            return [e for e in log if e["type"] == kind]

        async def replies_after(position: int) -> list[dict[str, Any]]:
            return [e for e in await events("agent.replied") if e["position"] > position]

        asked = await api.post(
            f"/v1/conversations/{cid}/messages",
            headers=headers,
            json={"text": f"please refund $150 of order #{DEMO_REFUNDABLE_ORDER}"},
        )
        assert asked.status_code == 202, asked.text
        approval = page.locator("div.approval", has_text="refund_order")
        await expect(approval).to_contain_text("refund_order with amount above 100", timeout=30_000)
        await approval.get_by_label("Note").fill("Send us a photo of the damage first.")
        await approval.get_by_role("button", name="Reject").click()
        await expect(page.get_by_role("status").first).to_contain_text("Rejected.")
        await expect(page.locator("#approvals-h")).to_have_count(0)
        decided = page.locator("#transcript li.approval", has_text="refund_order")
        await expect(decided).to_contain_text(re.compile(rf"denied\s+by {re.escape(agent.email)}"))
        not_run = page.locator("#transcript li.action", has_text="called refund_order")
        await expect(not_run).to_contain_text("denied: a person declined", timeout=30_000)
        await expect(not_run.locator("dt", has_text="amount").locator("+ dd")).to_have_text("150")
        await assert_accessible(page)
        await screenshot(page, "inbox-approval-rejected")

        (decision,) = await events("tool.approval_decided")
        assert decision["payload"]["approved"] is False
        assert decision["payload"]["note"] == "Send us a photo of the damage first."
        await eventually(lambda: replies_after(decision["position"]), timeout=30, what="the AI to answer again")
        refunds = [e for e in await events("tool.completed") if e["payload"]["tool"] == "refund_order"]
        assert refunds == [], "a rejected refund was made"
    finally:
        await api.put("/v1/agent/policy", headers=headers, json=policy)
        restored = await api.post("/v1/agent/procedures", headers=headers, json={"source": kept})
        assert restored.status_code == 201, restored.text
