"""Agent releases in the console, in a real browser, on a tenant of their own (a release makes the draft's later
edits wait for the next one, which the demo tenant's other tests must not meet): a publish is a gate run followed
to its verdict — one the gate blocks says why and saves nothing; the first release serves everything and its
conversations show in its figures; the next one is diffed, rolled out to a share, promoted, and rolled back."""

from __future__ import annotations

import re

import httpx2
from playwright.async_api import BrowserContext, expect

from libs.events import EventLog
from tests.browser.conftest import WebPlatform, assert_accessible, new_account, own_tenant, screenshot, sign_in
from tests.support import eventually

# One task each, so the gate's simulation costs a turn of the offline model.
PASSING = """suite: order-status
setup: {integrations: [demo_store]}
tasks:
  - id: where-is-1001
    customer: {messages: ["where is my order #1001?"]}
    expect: {tool_calls: [{tool: get_order_status, arguments: {order_number: "1001"}}]}
"""
FAILING = PASSING.replace("suite: order-status", "suite: must-hand-over").replace(
    'expect: {tool_calls: [{tool: get_order_status, arguments: {order_number: "1001"}}]}', "expect: {handoff: true}"
)


async def test_releases_are_published_through_the_gate_rolled_out_and_rolled_back(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient, event_log: EventLog
) -> None:
    mine = await own_tenant(event_log, api, web_platform, "Releases")
    owner = await new_account(api, mine, role="owner")
    page = await context.new_page()
    await sign_in(page, mine, owner, "/console/releases")
    await expect(page.locator("#stable")).to_contain_text("No release yet")

    await page.get_by_label("Release notes").fill("hand everything over")
    await page.get_by_label("Simulation suite the draft must pass (YAML, optional)").fill(FAILING)
    await page.get_by_role("button", name="Publish", exact=True).click()
    await page.wait_for_url(re.compile(r".*/console/releases/gate-runs/[^/]+$"))
    await expect(page.locator("#gate-run")).to_have_attribute("data-state", "blocked", timeout=90_000)
    await expect(page.locator("#blocked-reasons")).to_contain_text("suite 'must-hand-over' failed: where-is-1001")
    await expect(page.locator("#gate-suites")).to_contain_text("must-hand-over")
    await assert_accessible(page)
    await screenshot(page, "console-release-blocked")
    assert (await api.get("/v1/agent/releases", headers=mine.headers())).json()["items"] == [], "nothing saved"

    await page.goto(f"{mine.base}/console/releases")
    await page.get_by_label("Release notes").fill("first release")
    await page.get_by_label("Simulation suite the draft must pass (YAML, optional)").fill(PASSING)
    await page.get_by_role("button", name="Publish", exact=True).click()
    await expect(page.locator("#gate-run")).to_have_attribute("data-state", "passed", timeout=90_000)
    await expect(page.locator("#verdict")).to_contain_text("It serves every new conversation")
    await page.locator("#verdict").get_by_role("link", name="release 1").click()
    await page.wait_for_url(f"{mine.base}/console/releases/1")
    await expect(page.locator("#gate")).to_have_attribute("data-blocked", "no")
    await expect(page.locator("#gate-suites")).to_contain_text("order-status")
    await assert_accessible(page)
    await screenshot(page, "console-release")

    # A conversation under release 1, so that its figures are not empty.
    r = await api.post("/v1/conversations", headers=mine.headers(), json={"customer_id": "ada@example.com"})
    cid = r.json()["id"]
    await api.post(f"/v1/conversations/{cid}/messages", headers=mine.headers(), json={"text": "hello"})

    async def counted() -> bool:
        listed = (await api.get("/v1/agent/releases", headers=mine.headers())).json()["items"]
        return bool(listed[0]["figures"] and listed[0]["figures"]["conversations"] == 1)

    await eventually(counted, timeout=60, what="release 1's figures to count its conversation")

    policy = (await api.get("/v1/agent/policy", headers=mine.headers())).json()
    changed = policy | {"instructions": "Always greet the customer by name."}
    assert (await api.put("/v1/agent/policy", headers=mine.headers(), json=changed)).status_code == 200
    await page.goto(f"{mine.base}/console/releases/diff?a=1&b=draft")
    instructions = page.locator("section.text-diff[data-field='policy.instructions']")
    await expect(instructions.locator("ins")).to_contain_text("+Always greet the customer by name.")
    await assert_accessible(page)
    await screenshot(page, "console-release-diff")

    await page.goto(f"{mine.base}/console/releases")
    await page.get_by_label("Release notes").fill("greet by name")
    await page.get_by_role("button", name="Publish", exact=True).click()
    await expect(page.locator("#gate-run")).to_have_attribute("data-state", "passed", timeout=90_000)
    await expect(page.locator("#verdict")).to_contain_text("release 2")
    await expect(page.locator("#verdict")).to_contain_text("serves no new conversation until you roll it out")
    await page.goto(f"{mine.base}/console/releases")
    second, first = page.locator("tr[data-release='2']"), page.locator("tr[data-release='1']")
    await second.get_by_label("Share of new conversations (%)").fill("20")
    await second.get_by_role("button", name="Roll out").click()
    await expect(page.get_by_role("status").first).to_contain_text("Release 2 now takes 20 % of new conversations")
    await expect(second.locator("td.serves")).to_contain_text("rollout 20.0 %")
    await expect(first.locator("td.serves")).to_contain_text("stable 80.0 %")
    await expect(first.locator("td.conversations")).to_have_text("1")  # its conversation, counted
    per_conversation = re.compile(r"^\$\d[\d,]*\.\d{2,}\s*(\$.* in all|nothing billed)$")
    await expect(first.locator("td.cost")).to_have_text(per_conversation)
    await expect(second.locator("td.cost")).to_have_text("—")  # no conversation yet: no figure, not "$0"
    await assert_accessible(page)
    await screenshot(page, "console-releases")

    await second.get_by_role("button", name="Promote 2").click()
    await expect(page.locator("#stable")).to_have_text("2")
    await first.get_by_role("button", name="Roll back to 1").click()
    await expect(page.get_by_role("status").first).to_contain_text("Rolled back: release 1 serves new conversations")
    await expect(page.locator("#stable")).to_have_text("1")
    rollout = (await api.get("/v1/agent/releases", headers=mine.headers())).json()["rollout"]
    assert [h["action"] for h in rollout["history"]][:3] == ["rollback", "promote", "rollout"]
    assert rollout["history"][0]["by"] == owner.email
