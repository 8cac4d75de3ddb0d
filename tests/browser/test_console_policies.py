"""The console's policies page in a real browser, on a tenant of its own (the demo tenant's other tests rely on its
limits and model): "Save policy" round-trips limits, the cost cap and approval rules through the agent's API, a
value the API cannot take is refused with its reason (and nothing changes) (the model choice: test_console_replays)."""

from __future__ import annotations

from typing import Any

import httpx2
from playwright.async_api import BrowserContext, Page, expect

from libs.events import EventLog
from tests.browser.conftest import WebPlatform, assert_accessible, new_account, own_tenant, screenshot, sign_in


async def save(page: Page, fields: dict[str, str]) -> None:
    for label, value in fields.items():
        await page.get_by_label(label).fill(value)
    await page.get_by_role("button", name="Save policy").click()


async def test_the_policy_form_saves_through_the_api_and_refuses_a_bad_value(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient, event_log: EventLog
) -> None:
    mine = await own_tenant(event_log, api, web_platform, "Policies")

    async def policy() -> dict[str, Any]:
        r = await api.get("/v1/agent/policy", headers=mine.headers())
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found

    owner = await new_account(api, mine, role="owner")
    page = await context.new_page()
    await sign_in(page, mine, owner, "/console/policies")
    await save(
        page,
        {
            "Tool calls per turn": "5",
            "Failures in a row": "2",
            "Cost cap per conversation (USD)": "0.75",
            "Seconds per turn": "90",
            "Approval rules": "refund_order amount 250\nupdate_address",
        },
    )
    await expect(page.get_by_role("status").first).to_have_text("Agent policy saved.")
    saved = await policy()
    assert saved["limits"]["tool_calls_per_turn"] == 5
    assert saved["limits"]["consecutive_tool_failures"] == 2
    assert str(saved["limits"]["cost_per_conversation_usd"]) in ("0.75", "0.750", "0.7500")
    assert float(saved["limits"]["turn_seconds"]) == 90.0
    assert [(r["tool"], r.get("argument")) for r in saved["approval_rules"]] == [
        ("refund_order", "amount"),
        ("update_address", None),
    ]
    assert saved["approval_rules"][1].get("above") is None
    assert float(saved["approval_rules"][0]["above"]) == 250.0
    # The page shows what the API now holds.
    await expect(page.get_by_label("Tool calls per turn")).to_have_value("5")
    await expect(page.get_by_label("Cost cap per conversation (USD)")).to_have_value(
        str(saved["limits"]["cost_per_conversation_usd"])
    )
    rules = await page.locator("#approval_rules").input_value()
    assert rules.split("\n")[:2] == [f"refund_order amount {saved['approval_rules'][0]['above']}", "update_address"]
    await assert_accessible(page)
    await screenshot(page, "console-policies-saved")

    # Values the API cannot take: refused with its reason, and the policy stays as it was.
    for label, bad, said in (
        ("Cost cap per conversation (USD)", "lots", "cost_per_conversation_usd"),
        ("Tool calls per turn", "500", "tool_calls_per_turn"),  # the API's most is 100
    ):
        await save(page, {label: bad})
        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text("Policy not saved")
        await expect(alert).to_contain_text(said)
        assert await policy() == saved, f"{label}={bad!r} changed the policy"
        await page.reload()  # the form again with the saved values
    await save(page, {"Failures in a row": "4", "Approval rules": "refund_order amount"})
    await expect(page.get_by_role("alert")).to_have_text(
        "Policy not saved: “refund_order amount” is not an approval rule (tool, or tool argument above)."
    )
    assert await policy() == saved
    await assert_accessible(page)
    await screenshot(page, "console-policies-refused")
