"""Procedures in the console, in a real browser: the demo tenant's list, and the editor that names each problem by
line and field as the author types, refuses to save while one remains (keeping the text), then saves and deletes."""

from __future__ import annotations

import re

import httpx2
from playwright.async_api import BrowserContext, expect

from tests.browser.conftest import WebPlatform, assert_accessible, new_account, screenshot, sign_in

BROKEN = """name: late-refunds
applies_when: The customer wants a refund long after delivery.
keywords: [late refund]
steps: |
  Check the order, then hand over to a colleague.
tools: [get_order_status, refund_order, refund_ordr]
guards:
  - tool: refund_order
    requires: [get_order_status]
    preconditions:
      - refund_order.amont <= 10
"""


async def test_the_procedure_editor_names_problems_by_line_and_field(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    admin = await new_account(api, web_platform, role="admin")
    page = await context.new_page()
    await sign_in(page, web_platform, admin, "/console/procedures")
    demo = page.locator("tr[data-procedure=refund-within-30-days]")
    await expect(demo).to_contain_text("refund_order")
    await assert_accessible(page)
    await screenshot(page, "console-procedures")
    await demo.get_by_role("link", name="refund-within-30-days").click()
    await expect(page.get_by_label("Procedure document")).to_have_value(re.compile(r"name: refund-within-30-days\n"))

    await page.goto(f"{web_platform.base}/console/procedures/new")
    source = page.get_by_label("Procedure document")
    await source.fill(BROKEN)
    problems = page.locator("#problems-list li")
    await expect(problems.filter(has_text="refund_ordr")).to_have_count(1)
    await expect(problems.filter(has_text="refund_ordr")).to_contain_text("line 6")
    amont = problems.filter(has_text="amont")
    await expect(amont).to_contain_text("line 11")
    await expect(amont).to_contain_text("guards[0].preconditions[0]")
    await expect(page.locator("#gutter span.bad", has_text="11")).to_have_count(1)
    await amont.get_by_role("button", name="line 11").click()
    selected = await source.evaluate("t => t.value.slice(t.selectionStart, t.selectionEnd)")
    assert selected.strip() == "- refund_order.amont <= 10"
    await assert_accessible(page)
    await screenshot(page, "console-procedure-problems")

    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("alert").first).to_contain_text("Not saved")
    await expect(page.get_by_label("Procedure document")).to_have_value(BROKEN)  # the text as written is kept
    await expect(page.locator("#problems-list li").filter(has_text="amont")).to_contain_text("line 11")
    listed = (await api.get("/v1/agent/procedures", headers=web_platform.headers())).json()["items"]
    assert "late-refunds" not in {p["name"] for p in listed}, "nothing is saved while a problem remains"

    fixed = BROKEN.replace(", refund_ordr", "").replace("amont", "amount")
    await page.get_by_label("Procedure document").fill(fixed)
    await expect(page.locator("#problem-count")).to_contain_text("No problems")
    await page.get_by_role("button", name="Save").click()
    await page.wait_for_url(f"{web_platform.base}/console/procedures/late-refunds")
    await expect(page.get_by_role("status").first).to_contain_text("late-refunds saved (version 1)")
    await page.get_by_role("button", name="Delete this procedure").click()
    await expect(page.get_by_role("status").first).to_contain_text("late-refunds deleted")
    await expect(page.locator("tr[data-procedure=late-refunds]")).to_have_count(0)
