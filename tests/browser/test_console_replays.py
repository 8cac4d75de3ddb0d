"""The console's conversations, replays and model choice in a real browser: pick a past conversation, replay it
against a candidate with a tool switched off, and see in two columns what the agent did and what the candidate
would do (the tool call it no longer makes marked); choose the tenant's model among those the operator configured;
save SLA targets row by row."""

from __future__ import annotations

import re

import httpx2
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import WebPlatform, assert_accessible, new_account, screenshot, sign_in
from tests.support import eventually


async def answered_conversation(api: httpx2.AsyncClient, platform: WebPlatform, text: str) -> str:
    """A demo-tenant conversation in which the AI looked an order up and replied."""
    r = await api.post("/v1/conversations", headers=platform.headers(), json={"customer_id": "ada@example.com"})
    cid = str(r.json()["id"])
    await api.post(f"/v1/conversations/{cid}/messages", headers=platform.headers(), json={"text": text})

    async def replied() -> bool:
        log = (await api.get(f"/v1/conversations/{cid}/events", headers=platform.headers())).json()
        kinds = [e["type"] for e in log["events"]]
        return "tool.completed" in kinds and "agent.replied" in kinds[kinds.index("tool.completed") :]

    await eventually(replied, timeout=60, what="the AI to look the order up and reply")
    return cid


async def test_a_replay_shows_what_the_candidate_would_do_differently(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    cid = await answered_conversation(api, web_platform, "where is my order #1002?")
    admin = await new_account(api, web_platform, role="admin")
    page = await context.new_page()
    await sign_in(page, web_platform, admin, "/console/history")
    row = page.locator(f"tr[data-conversation={cid}]")
    await expect(row).to_contain_text("ada@example.com")
    await assert_accessible(page)
    await screenshot(page, "console-conversations")
    await row.get_by_role("checkbox").check()
    await page.get_by_role("button", name=re.compile("Replay the chosen")).click()

    await page.wait_for_url(re.compile(r".*/console/replays\?conversation=.*"))
    await expect(page.locator(f"#rc-{cid}")).to_be_checked()
    await page.get_by_label("Label").fill("no order lookups")
    await page.get_by_label("get_order_status").check()
    await assert_accessible(page)
    await page.get_by_role("button", name="Start replay").click()

    replay = page.locator("#replay")
    await expect(replay).to_have_attribute("data-state", "done", timeout=90_000)
    section = page.locator(f"section[data-conversation={cid}]")
    await expect(section.get_by_text("actions differ")).to_be_visible()
    missing = section.locator(".col.recorded .act.missing")
    await expect(missing.first).to_contain_text("get_order_status")
    await expect(missing.first).to_contain_text("1002")
    await expect(missing.first).to_contain_text("not done by the candidate")
    assert await section.locator(".col.candidate .act", has_text="get_order_status").count() == 0
    await expect(page.locator("#replay-summary")).to_contain_text("Identical actions")
    await assert_accessible(page)
    await screenshot(page, "console-replay-diff")

    await page.goto(f"{web_platform.base}/console/replays")
    await expect(page.locator("#replays").get_by_text("no order lookups")).to_be_visible()
    await page.goto(f"{web_platform.base}/console/conversations/{cid}")
    await page.get_by_role("link", name="Replay this conversation against a candidate").click()
    await expect(page.locator(f"#rc-{cid}")).to_be_checked()

    await page.goto(f"{web_platform.base}/console/history?customer_id=nobody-at-all@example.com")
    await expect(page.locator("#all-conversations")).to_contain_text("No conversations for these filters.")
    await expect(page.get_by_role("button", name=re.compile("Replay the chosen"))).to_have_count(0)


async def test_the_tenant_chooses_its_model_among_the_configured_ones(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    owner = await new_account(api, web_platform, role="owner")
    page = await context.new_page()
    await sign_in(page, web_platform, owner, "/console/policies")
    await expect(page.locator("#model-h ~ p.muted").last).to_contain_text("anthropic")  # not configured here
    choice = page.get_by_label("Provider and model")
    await choice.select_option("offline|deskpilot-offline-1")
    await page.get_by_role("button", name="Use this model").click()
    await expect(page.get_by_role("status").first).to_contain_text("now runs on offline/deskpilot-offline-1")
    await expect(page.locator("#current-model")).to_have_text("offline / deskpilot-offline-1")
    await expect(choice).to_have_value("offline|deskpilot-offline-1")
    policy = (await api.get("/v1/agent/policy", headers=web_platform.headers())).json()
    assert policy["model"] == {"provider": "offline", "model": "deskpilot-offline-1"}
    await assert_accessible(page)
    await screenshot(page, "console-policies-model")
    await choice.select_option("")
    await page.get_by_role("button", name="Use this model").click()
    await expect(page.get_by_role("status").first).to_contain_text("the operator's model")
    policy = (await api.get("/v1/agent/policy", headers=web_platform.headers())).json()
    assert policy["model"] is None


async def test_sla_targets_are_saved_per_priority_from_their_own_row(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    owner = await new_account(api, web_platform, role="owner")
    page = await context.new_page()
    await sign_in(page, web_platform, owner, "/console/policies")
    table = page.locator("section[aria-labelledby=sla-h] table")
    header = await table.locator("th", has_text="Resolution (hours)").bounding_box()
    cell = await page.locator("#res-high").bounding_box()
    assert header is not None
    assert cell is not None
    assert abs(header["x"] - cell["x"]) < 20, (header, cell)  # the heading is over its column
    await page.locator("#fr-high").fill("45")
    await page.locator("#res-high").fill("9")
    await page.locator("#fr-urgent").fill("7")  # another row's edit, not saved with this one
    await page.locator("tr", has=page.locator("#fr-high")).get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").first).to_contain_text("SLA targets for high saved")
    await expect(page.locator("#fr-high")).to_have_value("45")
    targets = {
        t["priority"]: t
        for t in (await api.get("/v1/tickets/sla-policy", headers=web_platform.headers())).json()["items"]
    }
    assert (targets["high"]["first_response_seconds"], targets["high"]["resolution_seconds"]) == (45 * 60, 9 * 3600)
    assert targets["urgent"]["first_response_seconds"] != 7 * 60
    await assert_accessible(page)
    await screenshot(page, "console-policies-sla")
