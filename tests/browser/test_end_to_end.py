"""The three places people work, together, on ``deskpilot up`` with real NATS and PostgreSQL, in headless Chromium:
a customer in the widget, a human agent in the inbox and an owner in the console, each in their own browser.

1. The issue's flow: the customer asks about order #1001 and reads the streamed answer, asks for a person; the
   agent sees the handoff appear without a reload, takes over and replies; the customer reads it live; the agent
   hands back (and resolves); the customer rates 5; the console's analytics then show that conversation in the
   cost histogram and its rating in CSAT, and its event log as a timeline.
2. A refund goes through the demo refund procedure (looked up, confirmed by the customer) and, needing approval,
   waits in the inbox until the agent approves it, then runs.
3. Hostile text from the customer and from the agent is shown as text on both sides.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx2
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.conftest import (
    Account,
    WebPlatform,
    assert_accessible,
    new_account,
    screenshot,
    sign_in,
)
from tests.support import DEMO_REFUNDABLE_ORDER


async def ask(page: Page, text: str) -> None:
    box = page.get_by_label("Your message")
    await box.fill(text)
    await box.press("Enter")


async def answered(page: Page, count: int) -> None:
    """The widget shows ``count`` finished AI replies (none still streaming)."""
    await expect(page.locator(".dp-ai")).to_have_count(count, timeout=30_000)
    await expect(page.locator(".dp-streaming")).to_have_count(0, timeout=30_000)


async def open_handoff(inbox: Page, customer: Page, text: str) -> str:
    """The customer asks for a person; the agent's open queue shows the handoff without a reload; the agent opens
    it. Returns the conversation id."""
    await ask(customer, text)
    row = inbox.locator("tr.ticket-row", has_text=text)
    await expect(row).to_have_count(1, timeout=30_000)
    await row.get_by_role("link").click()
    await expect(inbox.locator("#transcript")).to_contain_text(text)
    conversation = await inbox.locator("#live").get_attribute("data-conversation")
    assert conversation
    return conversation


async def agent_inbox(context: BrowserContext, platform: WebPlatform, agent: Account) -> Page:
    """The agent's inbox, signed in. The agent is marked away first: round-robin then never hands them the test's
    handoff before they click "Take over" (an assignee has nothing to take over), whatever colleagues exist."""
    api = httpx2.AsyncClient(base_url=platform.base, headers=platform.headers(), timeout=10)
    async with api:
        r = await api.patch(f"/v1/tickets/agents/{agent.agent_id}", json={"availability": "away"})
        assert r.status_code == 200, r.text
    inbox = await context.new_page()
    await sign_in(inbox, platform, agent)
    await expect(inbox.locator("#queue[data-live-ready=true]")).to_have_count(1)
    return inbox


async def the_rates_chart_draws_the_days_figures(
    console: Page, api: httpx2.AsyncClient, platform: WebPlatform, today: str
) -> None:
    """The deflection and resolution chart is an SVG drawing today's figures as billing reports them: a point per
    rate (named with its value for a screen reader and a tooltip), each linking to its conversations."""
    period: dict[str, str | int] = {"from": (datetime.now(UTC).date() - timedelta(days=29)).isoformat(), "days": 30}
    r = await api.get("/v1/billing/reports/daily", headers=platform.headers(), params=period)
    assert r.status_code == 200, r.text
    (day,) = [d for d in r.json()["days"] if d["day"] == today]
    chart = console.locator('section[aria-labelledby="rates-h"] svg.chart')
    await expect(chart.locator("title").first).to_have_text("Deflection and resolution rate over time")
    await expect(chart.locator("line.axis")).to_have_count(2)
    y_axis = chart.locator("line.axis").nth(1)  # from the top of the plot (rate 1) to its bottom (rate 0)
    drawn = 0
    for n, (name, outcome) in enumerate((("deflection rate", "ai_resolved"), ("resolution rate", "started"))):
        value = day[name.replace(" ", "_")]
        point = chart.locator(f'a[aria-label^="{name} on {today}:"]')
        if value is None:  # no figure that day: no point
            await expect(point).to_have_count(0)
            continue
        await expect(point).to_have_attribute("aria-label", f"{name} on {today}: {Decimal(str(value))}")
        top = float(await y_axis.get_attribute("y1") or "nan")
        bottom = float(await y_axis.get_attribute("y2") or "nan")
        height = float(await point.locator(f"circle.dot{n}").get_attribute("cy") or "nan")
        assert abs(height - (bottom - float(value) * (bottom - top))) < 0.2, (name, value, height, top, bottom)
        href = await point.get_attribute("href") or ""
        assert f"outcome={outcome}" in href, href
        assert f"day={today}" in href, href
        drawn += 1
    assert drawn, f"billing reported no rate for today: {day}"


async def test_a_customer_an_agent_and_an_owner_work_one_conversation(
    browser_contexts: tuple[BrowserContext, BrowserContext],
    context: BrowserContext,
    web_platform: WebPlatform,
    api: httpx2.AsyncClient,
) -> None:
    customer_ctx, agent_ctx = browser_contexts
    agent = await new_account(api, web_platform, name="Alice Agent")
    inbox = await agent_inbox(agent_ctx, web_platform, agent)

    customer = await customer_ctx.new_page()
    await customer.goto(f"{web_platform.base}/widget/demo")
    await ask(customer, "where is my order #1001?")
    await expect(customer.locator(".dp-progress")).to_have_text("Looking up order #1001…")
    await expect(customer.locator(".dp-streaming .dp-text")).not_to_be_empty()
    await answered(customer, 1)
    await expect(customer.locator(".dp-ai .dp-text")).to_contain_text("1001")

    conversation = await open_handoff(inbox, customer, "I want to talk to a person")
    await expect(inbox.get_by_role("heading", name="Handoff summary")).to_be_visible()
    action = inbox.locator("#transcript li.action", has_text="get_order_status")
    arguments = action.locator("dl.kv").first
    await expect(arguments.locator("dt", has_text="order number").locator("+ dd")).to_have_text("1001")
    assert "{" not in await arguments.inner_text(), "arguments as named lines, not JSON"
    await expect(action).to_contain_text("live")

    await inbox.get_by_role("button", name="Take over").click()
    await expect(inbox.locator("#assignee")).to_have_text("Alice Agent")
    await expect(customer.locator(".dp-status")).to_have_text("Alice Agent is here", timeout=30_000)
    await inbox.get_by_label("Reply", exact=True).fill("Hi, Alice here. Your parcel is with UPS.")
    await inbox.get_by_role("button", name="Send reply").click()
    await expect(customer.locator(".dp-human .dp-text")).to_have_text(
        "Hi, Alice here. Your parcel is with UPS.", timeout=30_000
    )
    await expect(customer.locator(".dp-human .dp-who")).to_have_text("Alice Agent")
    await screenshot(customer, "widget-human-reply")

    await inbox.get_by_label("Note (never shown to the customer)").fill("Parcel in transit; customer is calm.")
    await inbox.get_by_role("button", name="Add note").click()
    await expect(inbox.locator("aside")).to_contain_text("Parcel in transit; customer is calm.")
    await assert_accessible(inbox)
    await screenshot(inbox, "inbox-conversation")

    await inbox.get_by_role("button", name="Hand back to AI").click()
    await expect(customer.locator(".dp-line", has_text="Alice Agent left the conversation")).to_have_count(
        1, timeout=30_000
    )
    await inbox.get_by_role("button", name="Resolve").click()
    await expect(customer.get_by_text("How did we do? 1 (bad) to 5 (great)")).to_be_visible(timeout=30_000)
    await assert_accessible(customer)
    await screenshot(customer, "widget-rating")
    await customer.locator("label[for=dp-score-5]").click()
    await customer.get_by_label("Comment (optional)").fill("Quick and kind")
    await customer.get_by_role("button", name="Send rating").click()
    await expect(customer.get_by_text("Thanks for your rating (5 of 5).")).to_be_visible()
    assert await customer.get_by_text("Parcel in transit").count() == 0, "an internal note reached the customer"
    await expect(inbox.locator("#transcript li.system", has_text="rated 5/5: Quick and kind")).to_have_count(
        1, timeout=30_000
    )
    await inbox.goto(f"{web_platform.base}/inbox?status=all")
    await expect(inbox.locator("tr.ticket-row", has_text="I want to talk to a person").first).to_be_visible()
    await assert_accessible(inbox)
    await screenshot(inbox, "inbox-queue")

    # The owner's console: the conversation's cost is in the histogram, its rating in CSAT.
    owner = await new_account(api, web_platform, role="owner")
    console = await context.new_page()
    await sign_in(console, web_platform, owner, "/console/analytics")
    cost = await api.get(f"/v1/billing/conversations/{conversation}/cost", headers=web_platform.headers())
    assert cost.status_code == 200, cost.text
    total = Decimal(cost.json()["total_usd"])
    bars = console.locator("#cost-figure svg a")
    links = await bars.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    holding = []
    for href in links:
        low = Decimal(re.search(r"min_usd=([0-9.]+)", href).group(1))  # type: ignore[union-attr]
        high = Decimal(re.search(r"max_usd=([0-9.]+)", href).group(1))  # type: ignore[union-attr]
        if low <= total < high:
            holding.append(href)
    assert len(holding) == 1, (total, links)
    await expect(console.locator("#cost-figure svg text", has_text="p95")).to_have_count(1)
    await expect(console.locator("#cost-figure svg text", has_text="p99")).to_have_count(1)
    await expect(console.locator("#csat-figure")).to_contain_text("average")
    for chart in ("models-h", "tools-h"):  # bar charts drawn for half the page are not shrunk below reading size
        label = await console.locator(f'section[aria-labelledby="{chart}"] svg text').first.bounding_box()
        assert label is not None, chart
        assert label["height"] >= 13, (chart, label)
    today = datetime.now(UTC).date().isoformat()
    await expect(console.locator(f'#csat-figure svg a[href*="{today}"]')).to_have_count(1)
    await the_rates_chart_draws_the_days_figures(console, api, web_platform, today)
    await assert_accessible(console)
    await screenshot(console, "console-analytics")

    await console.locator(f'#cost-figure svg a[href="{holding[0]}"]').click()
    listed = console.locator(f"#conversations tr[data-conversation={conversation}]")
    await expect(listed).to_have_count(1)
    current_tab = console.locator("nav.tabs [aria-current=page]")
    await expect(current_tab).to_have_text("Conversations")  # a list of conversations, not the Analytics page
    await assert_accessible(console)
    await screenshot(console, "console-conversations-of-a-bar")

    await console.goto(f"{web_platform.base}/console/analytics")
    await console.locator(f'#csat-figure svg a[href*="{today}"]').click()
    rating = console.locator("tr", has_text=conversation)
    await expect(rating).to_contain_text("5/5")
    await expect(rating).to_contain_text("Quick and kind")
    await assert_accessible(console)
    await screenshot(console, "console-ratings")

    await rating.get_by_role("link").click()
    timeline = console.locator("#timeline")
    await expect(timeline.locator("li", has_text="csat.recorded")).to_have_count(1)
    caused = timeline.locator("li", has_text="tool.completed").first
    await expect(caused).to_contain_text("caused by")
    await expect(caused.get_by_role("link", name=re.compile(r"tool\.requested"))).to_have_count(1)
    await expect(timeline.locator("li", has_text="llm.called").first.locator(".cost")).to_have_count(1)
    await expect(current_tab).to_have_text("Conversations")
    transcript_action = console.locator("section ol.transcript li.action", has_text="get_order_status")
    await expect(transcript_action.locator("dl.kv dt", has_text="order number").locator("+ dd")).to_have_text("1001")
    await assert_accessible(console)
    await screenshot(console, "console-timeline")


async def test_a_refund_waits_for_a_persons_approval_in_the_inbox(
    browser_contexts: tuple[BrowserContext, BrowserContext], web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    customer_ctx, agent_ctx = browser_contexts
    policy = (await api.get("/v1/agent/policy", headers=web_platform.headers())).json()
    rule = {"tool": "refund_order", "argument": "amount", "above": "100"}
    r = await api.put("/v1/agent/policy", headers=web_platform.headers(), json=policy | {"approval_rules": [rule]})
    assert r.status_code == 200, r.text

    agent = await new_account(api, web_platform, name="Rita Refunds")
    inbox = await agent_inbox(agent_ctx, web_platform, agent)
    customer = await customer_ctx.new_page()
    await customer.goto(f"{web_platform.base}/widget/demo")
    await open_handoff(inbox, customer, "a person please, about a refund")
    await inbox.get_by_role("button", name="Take over").click()
    await expect(customer.locator(".dp-status")).to_have_text("Rita Refunds is here", timeout=30_000)
    await inbox.get_by_role("button", name="Hand back to AI").click()
    await expect(customer.locator(".dp-line", has_text="left the conversation")).to_have_count(1, timeout=30_000)

    # The demo refund procedure: the order is looked up, the customer asked, and the refund made on their yes.
    await ask(customer, f"please refund $120 of order #{DEMO_REFUNDABLE_ORDER}")
    await answered(customer, 1)
    await expect(customer.locator(".dp-ai .dp-text").last).to_contain_text("Shall I go ahead?")
    await ask(customer, "yes")
    await expect(customer.locator(".dp-progress", has_text="Waiting for a team member to approve")).to_contain_text(
        "Refunding order #1003", timeout=30_000
    )
    waiting = inbox.locator("#approvals-h")
    await expect(waiting).to_be_visible(timeout=30_000)  # the page refreshed itself
    approval = inbox.locator("div.approval", has_text="refund_order")
    arguments = approval.locator("dl.kv")  # readable lines, not JSON
    await expect(arguments.locator("dt", has_text="order number")).to_have_count(1)
    await expect(arguments.locator("dt", has_text="order number").locator("+ dd")).to_have_text("1003")
    assert "{" not in await arguments.inner_text()
    await expect(approval).to_contain_text("refund_order with amount above 100")
    await assert_accessible(inbox)
    await screenshot(inbox, "inbox-approval")
    await approval.get_by_label("Note").fill("Order arrived damaged; approved.")
    await approval.get_by_role("button", name="Approve").click()
    await expect(inbox.get_by_role("status").first).to_contain_text("Approved.")
    await answered(customer, 2)
    await expect(customer.locator(".dp-ai .dp-text").last).to_contain_text("1003")
    refund = inbox.locator("#transcript li.action", has_text="refund_order")
    await expect(refund).to_contain_text("live", timeout=30_000)
    await expect(inbox.locator("#transcript li.approval", has_text="refund_order")).to_contain_text("approved")

    r = await api.put("/v1/agent/policy", headers=web_platform.headers(), json=policy)
    assert r.status_code == 200, r.text


async def test_hostile_text_from_either_side_is_shown_as_text(
    browser_contexts: tuple[BrowserContext, BrowserContext], web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    customer_ctx, agent_ctx = browser_contexts
    dialogs: list[str] = []
    agent = await new_account(api, web_platform, name="Xavier")
    inbox = await agent_inbox(agent_ctx, web_platform, agent)
    inbox.on("dialog", lambda d: dialogs.append(d.message))
    customer = await customer_ctx.new_page()
    customer.on("dialog", lambda d: dialogs.append(d.message))
    await customer.goto(f"{web_platform.base}/widget/demo")

    from_customer = 'a person <img src=x onerror=alert("c")> <a href="javascript:alert(1)">me</a>'
    await open_handoff(inbox, customer, from_customer)
    await expect(inbox.locator("#transcript li.customer", has_text=from_customer)).to_have_count(1)
    await expect(inbox.locator("tr.ticket-row", has_text=from_customer)).to_have_count(0)  # we are on the ticket
    assert await inbox.locator("#transcript img, #transcript a[href^=javascript], #live script").count() == 0

    from_agent = "<img src=x onerror=alert('a')><script>alert(2)</script>[x](javascript:alert(3))"
    await inbox.get_by_label("Reply", exact=True).fill(from_agent)
    await inbox.get_by_role("button", name="Send reply").click()
    await expect(customer.locator(".dp-human .dp-text")).to_have_text(from_agent, timeout=30_000)
    await expect(inbox.locator("#transcript li.human", has_text=from_agent)).to_have_count(1)
    assert await customer.locator("#deskpilot-widget img, #deskpilot-widget script, #deskpilot-widget a").count() == 0
    assert await inbox.locator("#transcript img, #transcript script").count() == 0
    await inbox.goto(f"{web_platform.base}/inbox?status=all")
    await expect(inbox.locator("tr.ticket-row", has_text=from_customer)).to_have_count(1)
    assert await inbox.locator("#queue img, #queue script").count() == 0
    assert dialogs == []
