"""Simulation suites in the console, in a real browser: a suite with a problem is refused with its line and field
(the text kept), the example suite runs in the sandbox and its results show pass^k per task, and the list shows
the run with its outcome and the model it ran on; a suite is saved as the tenant's stored suite (one with a problem
is refused by line and field, nothing saved), listed, and deleted."""

from __future__ import annotations

import re

import httpx2
from playwright.async_api import BrowserContext, expect

from libs.events import EventLog
from tests.browser.conftest import WebPlatform, assert_accessible, new_account, own_tenant, screenshot, sign_in
from tests.support import eventually

BROKEN = """suite: broken
tasks:
  - id: no-customer
    expect: {handoff: false}
"""


async def test_a_suite_runs_from_the_console_and_shows_its_results(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    admin = await new_account(api, web_platform, role="admin")
    page = await context.new_page()
    await sign_in(page, web_platform, admin, "/console/simulations")
    example = await page.get_by_label("Suite (YAML, see docs/simulation.md)").input_value()
    assert "suite: order-status" in example

    await page.get_by_label("Suite (YAML, see docs/simulation.md)").fill(BROKEN)
    await page.get_by_role("button", name="Run the suite").click()
    await expect(page.get_by_role("alert").first).to_contain_text("Not run")
    await expect(page.locator("#suite-problems")).to_contain_text("tasks[0].customer")
    await expect(page.locator("#suite-problems")).to_contain_text("line 3")
    await expect(page.get_by_label("Suite (YAML, see docs/simulation.md)")).to_have_value(BROKEN)

    await page.get_by_label("Suite (YAML, see docs/simulation.md)").fill(example)
    await page.get_by_role("button", name="Run the suite").click()
    await page.wait_for_url(re.compile(r".*/console/simulations/sim_[^/]+$"))
    await expect(page.locator("#simulation")).to_have_attribute("data-state", "done", timeout=90_000)
    await expect(page.locator("#sim-outcome")).to_have_text("passed")
    await expect(page.locator("section[data-task=where-is-my-order]")).to_contain_text("1 of 1 trials")
    await expect(page.locator("#sim-model")).to_contain_text("offline/")
    await assert_accessible(page)
    await screenshot(page, "console-simulation")

    sim_id = page.url.rsplit("/", 1)[1]
    await page.get_by_role("link", name="All simulations").click()
    row = page.locator(f"tr[data-simulation={sim_id}]")
    await expect(row).to_contain_text("passed")
    await expect(row).to_contain_text("100 %")
    await assert_accessible(page)
    await screenshot(page, "console-simulations")


async def test_a_suite_is_made_from_recorded_conversations_and_runs(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    """From the console's conversation list: the chosen conversation becomes a task of a suite the API makes, shown
    in the suite form (YAML), which then runs."""
    headers = web_platform.headers()
    cid = (await api.post("/v1/conversations", headers=headers, json={"customer_id": "suite@example.com"})).json()["id"]
    await api.post(f"/v1/conversations/{cid}/messages", headers=headers, json={"text": "where is my order #1001?"})

    async def replied() -> bool:
        events = (await api.get(f"/v1/conversations/{cid}/events", headers=headers)).json()["events"]
        return any(e["type"] == "agent.replied" for e in events)

    await eventually(replied, timeout=30, what="the agent's answer")
    admin = await new_account(api, web_platform, role="admin")
    page = await context.new_page()
    await sign_in(page, web_platform, admin, "/console/history?customer_id=suite@example.com")
    await page.locator(f"tr[data-conversation={cid}]").get_by_role("checkbox").check()
    await page.get_by_role("button", name="Make a simulation suite of them").click()
    await expect(page.locator(f"#sc-{cid}")).to_be_checked()
    await page.get_by_label("Suite name (letters, digits, . _ -)").fill("from-browser")
    await page.get_by_role("button", name="Make the suite").click()
    await expect(page.get_by_role("status").first).to_contain_text("Suite from-browser made of 1 conversation")
    suite = await page.get_by_label("Suite (YAML, see docs/simulation.md)").input_value()
    assert "suite: from-browser" in suite
    assert "where is my order #1001?" in suite, "the customer's words, as they wrote them"
    assert "get_order_status" in suite, "the agent's recorded action, expected"
    await assert_accessible(page)
    await screenshot(page, "console-simulations-suite-from-conversations")

    await page.get_by_role("button", name="Run the suite").click()
    await page.wait_for_url(re.compile(r".*/console/simulations/sim_[^/]+$"))
    await expect(page.locator("#simulation")).to_have_attribute("data-state", "done", timeout=90_000)
    await expect(page.locator("#sim-outcome")).to_have_text("passed")


async def test_a_suite_is_saved_as_the_tenants_listed_and_deleted(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient, event_log: EventLog
) -> None:
    """On a tenant of its own (every publish gate of the tenant runs its stored suites)."""
    mine = await own_tenant(event_log, api, web_platform, "Stored suites")
    admin = await new_account(api, mine, role="admin")
    page = await context.new_page()
    await sign_in(page, mine, admin, "/console/simulations")
    await expect(page.locator("#stored-suites")).to_contain_text("No stored suites")
    text = page.get_by_label("Suite (YAML, see docs/simulation.md)")
    example = await text.input_value()

    await text.fill(BROKEN)
    await page.get_by_label("Store under the name (letters, digits, . _ -)").fill("nightly")
    await page.get_by_role("button", name="Save as the tenant's suite").click()
    await expect(page.get_by_role("alert").first).to_contain_text("Not saved: 1 problem(s) in the suite.")
    await expect(page.locator("#suite-problems")).to_contain_text("tasks[0].customer")
    await expect(page.locator("#suite-problems")).to_contain_text("line 3")
    await expect(text).to_have_value(BROKEN)
    await expect(page.get_by_label("Store under the name (letters, digits, . _ -)")).to_have_value("nightly")
    assert (await api.get("/v1/simulations/suites", headers=mine.headers())).json() == {"items": []}, "nothing saved"

    await text.fill(example)
    await page.get_by_role("button", name="Save as the tenant's suite").click()
    await expect(page.get_by_role("status").first).to_contain_text("Suite nightly saved")
    row = page.locator("tr[data-stored-suite=nightly]")
    await expect(row).to_contain_text("order-status")
    await expect(row.locator("td.num")).to_have_text("1")
    stored = (await api.get("/v1/simulations/suites/nightly", headers=mine.headers())).json()
    assert (stored["suite"], stored["source"].strip()) == ("order-status", example.strip())
    await assert_accessible(page)
    await screenshot(page, "console-simulations-stored-suites")

    # A gate run names it in its report.
    run = (await api.post("/v1/agent/releases/gate", headers=mine.headers(), json={})).json()
    await page.goto(f"{mine.base}/console/releases/gate-runs/{run['id']}")
    await expect(page.locator("#gate-run")).to_have_attribute("data-state", "passed", timeout=90_000)
    await expect(page.locator("#gate-suites")).to_contain_text("order-status (stored as nightly)")
    await page.goto(f"{mine.base}/console/simulations")

    await row.get_by_role("button", name="Delete stored suite nightly").click()
    await expect(page.get_by_role("status").first).to_contain_text("Stored suite nightly deleted")
    await expect(page.locator("#stored-suites")).to_contain_text("No stored suites")
    assert (await api.get("/v1/simulations/suites", headers=mine.headers())).json() == {"items": []}
