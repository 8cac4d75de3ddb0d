"""Simulation suites in the console, in a real browser: a suite with a problem is refused with its line and field
(the text kept), the example suite runs in the sandbox and its results show pass^k per task, and the list shows
the run with its outcome and the model it ran on."""

from __future__ import annotations

import re

import httpx2
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import WebPlatform, assert_accessible, new_account, screenshot, sign_in

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
