"""The console in a real browser: who may open it, the knowledge base (markdown preview that keeps hostile markup
as text, publish, versions, an import with its upload progress, a crawl with its progress bar), integrations
(dry run, the audit log filtered and exported), policies, and keys (shown once, rotated, revoked)."""

from __future__ import annotations

import re

import httpx2
from playwright.async_api import BrowserContext, FilePayload, expect

from services.integrations.tests.fake_hubspot import FakeHubSpot
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

CONSOLE_PAGES = [
    "/console",
    "/console/knowledge",
    "/console/integrations",
    "/console/policies",
    "/console/keys",
    "/console/history",
    "/console/replays",
    "/console/procedures",
    "/console/sso",
    "/console/privacy",
    "/console/email",
]


async def test_an_agent_gets_403_on_every_console_page(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    agent = await new_account(api, web_platform)
    page = await context.new_page()
    await sign_in(page, web_platform, agent)
    await expect(page.get_by_role("link", name="Console")).to_have_count(0)
    for path in [*CONSOLE_PAGES, "/console/analytics", "/console/knowledge/new"]:
        response = await page.goto(f"{web_platform.base}{path}")
        assert response is not None
        assert response.status == 403, path
        await expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "console-403-for-an-agent")


async def test_every_console_page_is_accessible_and_locked_down(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    owner = await new_account(api, web_platform, role="owner")
    page = await context.new_page()
    await sign_in(page, web_platform, owner, "/console")
    for path in CONSOLE_PAGES:
        response = await page.goto(f"{web_platform.base}{path}")
        assert response is not None
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        await assert_csp_blocks_inline_script(page)
        await assert_accessible(page)
        await screenshot(page, "console-" + (path.removeprefix("/console").strip("/") or "overview"))

    # The data-retention page sets the tenant's retention through the API (a limit no demo conversation reaches).
    before = (await api.get("/v1/privacy/retention", headers=web_platform.headers())).json()["days"]
    try:
        await page.goto(f"{web_platform.base}/console/privacy")
        await page.get_by_label("for a number of days after their last activity").check()
        await page.get_by_label("Days (1 to 36500)").fill("3650")
        await page.get_by_role("button", name="Save retention").click()
        await expect(page.get_by_role("status").first).to_contain_text("erased 3650 days after their last activity")
        await expect(page.locator("#retention")).to_contain_text("3650 days")
        assert (await api.get("/v1/privacy/retention", headers=web_platform.headers())).json()["days"] == 3650
        await page.get_by_label("until they are erased (no limit)").check()
        await page.get_by_role("button", name="Save retention").click()
        await expect(page.locator("#retention")).to_contain_text("kept until they are erased")
        assert (await api.get("/v1/privacy/retention", headers=web_platform.headers())).json()["days"] is None
    finally:
        await api.put("/v1/privacy/retention", headers=web_platform.headers(), json={"days": before})


async def test_the_knowledge_base_edits_previews_publishes_imports_and_crawls(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    owner = await new_account(api, web_platform, role="owner")
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(d.message))
    await sign_in(page, web_platform, owner, "/console/knowledge/new")

    await page.get_by_label("Title").fill("Returns policy")
    body = page.get_by_label("Body")
    await body.fill(
        "# Returns\n\nYou have **30 days**. <img src=x onerror=alert(1)> <script>alert(2)</script>\n\n"
        "[click](javascript:alert(3)) and [help](https://example.com/help)"
    )
    preview = page.locator("#preview")
    await expect(preview.locator("h1")).to_have_text("Returns")
    await expect(preview.locator("strong")).to_have_text("30 days")
    await expect(preview).to_contain_text("<img src=x onerror=alert(1)>")
    assert await preview.locator("img, script").count() == 0
    hrefs = await preview.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["https://example.com/help"], hrefs
    await page.get_by_label("Status").select_option("draft")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").first).to_contain_text("Article saved.")
    await page.get_by_label("Body").fill("# Returns\n\nYou have **60 days** now.")
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_role("status").first).to_contain_text("new version")
    await page.get_by_role("button", name="Publish").click()
    await expect(page.locator("#versions li")).to_have_count(3)
    await expect(page.get_by_role("heading", name=re.compile(r"Edit \(version 3, published\)"))).to_be_visible()
    await assert_accessible(page)
    await screenshot(page, "console-knowledge-edit")
    assert dialogs == []

    # An import, with its upload progress bar.
    await page.goto(f"{web_platform.base}/console/knowledge")
    await page.get_by_label("Markdown, HTML, PDF, or a CSV of questions and answers").set_input_files(
        files=FilePayload(name="shipping.md", mimeType="text/markdown", buffer=b"# Shipping\n\nWe ship in 2 days.\n")
    )
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_role("status").first).to_contain_text("Imported 1 article(s) from shipping.md.")
    await expect(page.locator("#articles").get_by_role("link", name="Shipping")).to_have_count(1)
    # A file that cannot be read as what it is: nothing is imported, and the page says why.
    await page.get_by_label("Markdown, HTML, PDF, or a CSV of questions and answers").set_input_files(
        files=FilePayload(name="faq.csv", mimeType="text/csv", buffer=b"q,a\nx,y\n")
    )
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_role("alert").first).to_contain_text("Nothing imported from faq.csv: the CSV needs")

    # A crawl of a small site, with a progress bar that fills as pages are fetched.
    site = HostPages()
    site.pages["/"] = '<html><body><main><h1>Help</h1><a href="/a">A</a> <a href="/b">B</a></main></body></html>'
    site.pages["/a"] = "<html><body><main><h1>Payments</h1><p>We take cards.</p></main></body></html>"
    site.pages["/b"] = "<html><body><main><h1>Accounts</h1><p>Reset your password.</p></main></body></html>"
    async with listening(site) as base:
        await page.get_by_label("Start URL").fill(f"{base}/")
        await page.get_by_role("button", name="Crawl").click()
        await expect(page.locator("#crawl")).to_have_attribute("data-state", "completed", timeout=60_000)
    bar = page.locator("#crawl-progress")
    assert await bar.get_attribute("value") == await bar.get_attribute("max") == "3"
    await expect(page.locator("#crawl-indexed")).to_have_text("3")
    await assert_accessible(page)
    await screenshot(page, "console-knowledge-crawl")


async def test_integrations_dry_run_and_the_audit_log(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    admin = await new_account(api, web_platform, role="admin")
    page = await context.new_page()
    await sign_in(page, web_platform, admin, "/console/integrations")
    demo = page.locator("tr[data-integration=demo_store]")
    await demo.get_by_role("button", name="Dry run").click()
    await expect(page.get_by_role("status").first).to_contain_text("demo_store is now dry run")
    await expect(demo).to_contain_text("dry run")
    await demo.get_by_role("button", name="Go live").click()
    await expect(demo.get_by_role("button", name="Dry run")).to_be_visible()
    await demo.get_by_role("button", name=re.compile("^Test")).click()
    await expect(page.get_by_role("status").first).to_contain_text(re.compile(r"demo_store works: .* orders on file"))

    # An MCP server that does not answer is saved with its problem: the page says so, not "connected".
    await page.locator("#mcp-name").fill("offline_tools")
    await page.locator("#mcp-url").fill("http://127.0.0.1:9/mcp")
    await page.get_by_role("button", name="Connect MCP server").click()
    await expect(page.get_by_role("alert").first).to_contain_text("MCP server offline_tools saved, not connected")
    await expect(page.locator("#mcp-problem-offline_tools")).to_contain_text("Not reachable")

    # Something to audit: the demo tenant's AI looks up an order for a known customer.
    r = await api.post("/v1/conversations", headers=web_platform.headers(), json={"customer_id": "ada@example.com"})
    cid = r.json()["id"]
    await api.post(
        f"/v1/conversations/{cid}/messages", headers=web_platform.headers(), json={"text": "where is my order #1002?"}
    )

    async def looked_up() -> bool:
        log = (await api.get(f"/v1/conversations/{cid}/events", headers=web_platform.headers())).json()
        return any(e["type"] == "tool.completed" for e in log["events"])

    await eventually(looked_up, timeout=30, what="the order lookup to run")
    await page.get_by_label("Conversation", exact=True).fill(cid)
    await page.get_by_role("button", name="Filter", exact=True).click()
    rows = page.locator("#audit tbody tr", has_text="get_order_status")
    await expect(rows).to_have_count(1)
    await expect(rows).to_contain_text("1002")
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Export CSV").click()
    csv_path = await (await download.value).path()
    text = csv_path.read_text()
    assert text.splitlines()[0].startswith("conversation_id,")
    assert cid in text
    assert len(text.strip().splitlines()) == 2, "the export has the page's filters"
    await assert_accessible(page)
    await screenshot(page, "console-integrations")


async def test_keys_are_shown_once_rotated_and_revoked(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient
) -> None:
    owner = await new_account(api, web_platform, role="owner")
    page = await context.new_page()
    await sign_in(page, web_platform, owner, "/console/keys")
    await page.get_by_label("Key name").fill("reporting")
    await page.get_by_role("button", name="Create API key").click()
    secret = (await page.locator("#revealed-secret").text_content() or "").strip()
    assert secret.startswith("dp_")

    async def status_with(key: str) -> int:
        return (await api.get("/v1/billing/usage", headers={"Authorization": f"Bearer {key}"})).status_code

    async def usable() -> bool:  # every service learns the key from the log
        return await status_with(secret) == 200

    async def refused(key: str) -> bool:  # and its revocation, a moment after ticketing
        return await status_with(key) == 401

    await eventually(usable, what="the new API key to work")
    await page.reload()
    await expect(page.locator("#revealed-secret")).to_have_count(0)  # shown once

    row = page.locator("#api-keys tr", has_text="reporting").filter(has_text="active")
    await row.get_by_role("button", name="Rotate").click()
    rotated = (await page.locator("#revealed-secret").text_content() or "").strip()
    assert rotated.startswith("dp_")
    assert rotated != secret
    await expect(page.locator("#api-keys tr", has_text="reporting").filter(has_text="revoked")).to_have_count(1)
    await eventually(lambda: refused(secret), what="billing to refuse the rotated-out key")
    await (
        page.locator("#api-keys tr", has_text="reporting")
        .filter(has_text="active")
        .get_by_role("button", name="Revoke")
        .click()
    )
    await expect(page.get_by_role("heading", name="Revoke the API key “reporting”?")).to_be_visible()
    assert await status_with(rotated) == 200, "nothing is revoked before the yes"
    await page.get_by_role("button", name="Yes, revoke this API key").click()
    await expect(page.get_by_role("status").first).to_contain_text("API key revoked")
    await expect(page.locator("#api-keys tr", has_text="reporting").filter(has_text="active")).to_have_count(0)
    await eventually(lambda: refused(rotated), what="billing to refuse the revoked key")

    await page.get_by_label("Sites that may embed the widget (origins, space-separated)").fill("https://shop.example")
    await page.get_by_role("button", name="Create widget key").click()
    widget_key = (await page.locator("#revealed-secret").text_content() or "").strip()
    assert widget_key.startswith("dpw_")
    row = page.locator("#widget-keys tr", has_text="https://shop.example").filter(has_text="active")
    await row.get_by_role("button", name="Rotate").click()
    await expect(page.locator("#widget-keys tr", has_text="https://shop.example")).to_have_count(2)
    opened = await api.post(
        "/v1/conversations/chat", headers={"X-Widget-Key": widget_key, "Origin": "https://shop.example"}
    )
    assert opened.status_code == 401, "the rotated-out widget key is revoked"
    await assert_accessible(page)
    await screenshot(page, "console-keys")


async def test_connecting_an_oauth_integration_goes_through_the_providers_consent_and_back(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient, hubspot: FakeHubSpot
) -> None:
    """The Connect button: the API starts the OAuth flow, the browser goes to the provider (a local fake of
    HubSpot's OAuth server, which consents at once), comes back to the console's return page, whose call to the
    API's callback completes the connection; the integration is then connected, and can be disconnected."""
    admin = await new_account(api, web_platform, role="admin")
    page = await context.new_page()
    await sign_in(page, web_platform, admin, "/console/integrations")
    hubspot_row = page.locator("tr[data-integration=hubspot]")
    async with page.expect_navigation(url=re.compile(r".*/console/integrations/callback\?.*")):
        await hubspot_row.get_by_role("button", name="Connect").click()
    await expect(page.get_by_role("heading", name="hubspot is connected")).to_be_visible()
    assert any(token.startswith("CKT") for token in hubspot.issued), "the provider issued no token"
    await assert_accessible(page)
    await page.get_by_role("link", name="Back to integrations").click()
    await expect(hubspot_row).to_contain_text("connected")
    await expect(hubspot_row.get_by_role("button", name="Dry run")).to_be_visible()
    await hubspot_row.get_by_role("button", name=re.compile("^Test")).click()
    await expect(page.get_by_role("status").first).to_contain_text("hubspot works: HubSpot answered")
    await hubspot_row.get_by_role("button", name="Disconnect").click()
    await expect(page.get_by_role("status").first).to_contain_text("hubspot disconnected.")
    await expect(hubspot_row.get_by_role("button", name="Connect")).to_be_visible()
