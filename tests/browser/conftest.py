"""Browser tests: the web front end in headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright) on
``deskpilot up`` with the session's real NATS and PostgreSQL.

One platform for the whole package (starting it takes most of a minute on two cores): each test uses its own
browser context, so cookies and storage never leak from one test to the next, and its own conversations or
accounts. Every page a test visits can be checked with axe-core (injected from ``web/node_modules``, installed by
``scripts/bootstrap``) and saved as a screenshot under ``artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from deskpilot.embedded import free_port
from deskpilot.tenants import create_tenant
from libs.events import EventLog
from services.conversation.tests.fake_relay import Relay, relaying
from services.integrations.tests.fake_hubspot import CLIENT_ID as HUBSPOT_CLIENT_ID
from services.integrations.tests.fake_hubspot import CLIENT_SECRET as HUBSPOT_CLIENT_SECRET
from services.integrations.tests.fake_hubspot import FakeHubSpot
from services.ticketing.tests.fake_issuer import FakeIssuer
from tests.support import eventually, platform_env, serving, start_platform, stop_platform

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")
# As the machine notes prescribe: no sandbox as root, and none of the background traffic a closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class WebPlatform:
    base: str
    api_key: str
    widget_key: str
    data_dir: Path
    log: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.api_key}"}


@pytest.fixture(scope="package")
def platform_port() -> int:
    return free_port()


@pytest.fixture(scope="package")
async def hubspot(platform_port: int) -> AsyncIterator[FakeHubSpot]:
    """A local fake of HubSpot's OAuth server, which sends the browser back to the console's return page."""
    redirect = f"http://127.0.0.1:{platform_port}/console/integrations/callback"
    async with serving(FakeHubSpot(redirect_uri=redirect)) as fake:
        yield fake


@pytest.fixture(scope="package")
async def oidc_issuer(platform_port: int) -> AsyncIterator[FakeIssuer]:
    """A local OpenID Connect issuer for single sign-on, reached as ``localhost`` so that it is another site than
    the platform's ``127.0.0.1`` (as a real identity provider is: the SameSite rules of the way back apply)."""
    async with serving(FakeIssuer(redirect_uris=[f"http://127.0.0.1:{platform_port}/web/sso/callback"])) as fake:
        fake.base_url = fake.base_url.replace("127.0.0.1", "localhost")
        yield fake


@pytest.fixture(scope="package")
def mail_relay() -> Iterator[tuple[Relay, int]]:
    """Where the platform relays its outbound mail (the codes that verify support addresses among it)."""
    with relaying() as relay:
        yield relay


@pytest.fixture(scope="package")
def web_platform(
    nats_url: str,
    database_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    platform_port: int,
    hubspot: FakeHubSpot,
    mail_relay: tuple[Relay, int],
) -> Iterator[WebPlatform]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: scripts/bootstrap installs it (apt-get, as root)"
    assert AXE.exists(), "axe-core is missing: scripts/bootstrap installs it (npm, web/package.json)"
    data_dir = tmp_path_factory.mktemp("web-platform")
    env = platform_env(NATS_URL=nats_url, DATABASE_URL=database_url)
    oauth_clients = {
        "hubspot": {
            "client_id": HUBSPOT_CLIENT_ID,
            "client_secret": HUBSPOT_CLIENT_SECRET,
            "authorize_url": f"{hubspot.base_url}/oauth/authorize",
            "token_url": f"{hubspot.base_url}/oauth/v1/token",
            "api_base_url": hubspot.base_url,
            "revocation_url": f"{hubspot.base_url}/oauth/v1/refresh-tokens/{{token}}",
        }
    }
    env.update(
        {
            "DESKPILOT_OAUTH_CLIENTS": json.dumps(oauth_clients),
            "DESKPILOT_OAUTH_REDIRECT_URL": hubspot.redirect_uri,
        }
    )
    env.update(
        {
            # Replies stream word by word at a pace a test (and a screenshot) can see mid-stream.
            "DESKPILOT_AGENT_OFFLINE_WORD_DELAY_MS": "40",
            # Every browser here is the same client address: lift the per-address widget limits for the suite.
            "DESKPILOT_WIDGET_IP_CONVERSATIONS_PER_MINUTE": "6000",
            "DESKPILOT_WIDGET_IP_CONVERSATION_BURST": "1000",
            "DESKPILOT_WIDGET_IP_MESSAGES_PER_MINUTE": "6000",
            "DESKPILOT_WIDGET_IP_MESSAGE_BURST": "1000",
            # The console's crawl test crawls a small site the test serves on 127.0.0.1.
            "KNOWLEDGE_CRAWL_ALLOW_PRIVATE": "true",
            # The single sign-on test's identity provider is a fake on 127.0.0.1.
            "DESKPILOT_SSO_ALLOW_LOCAL_ISSUERS": "true",
            # The console's MCP form is tried with a server on 127.0.0.1 that does not answer.
            "DESKPILOT_MCP_ALLOW_PRIVATE": "true",
            "DESKPILOT_SMTP_RELAY_HOST": "127.0.0.1",
            "DESKPILOT_SMTP_RELAY_PORT": str(mail_relay[1]),
        }
    )
    log = data_dir / "platform.log"
    port = platform_port
    proc, api_key = start_platform(data_dir, port, env, log, timeout=420)
    try:
        found = re.search(r"widget key: (\S+)", log.read_text())
        assert found, "deskpilot up printed no widget key"
        yield WebPlatform(f"http://127.0.0.1:{port}", api_key, found.group(1), data_dir, log)
    finally:
        stop_platform(proc)


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile for one test, with axe-core available in every page it opens."""
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    await ctx.add_init_script(path=str(AXE))
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.fixture
async def api(web_platform: WebPlatform) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(base_url=web_platform.base, timeout=20) as client:
        yield client


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (open shadow roots included)."""
    found: list[dict[str, Any]] = await page.evaluate(
        """async () => {
            const result = await window.axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target)}));
        }"""
    )
    return found


async def assert_accessible(page: Page) -> None:
    violations = await axe_violations(page)
    assert violations == [], f"axe-core on {page.url}: {violations}"


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def assert_csp_blocks_inline_script(page: Page) -> None:
    """The page's CSP, as the browser enforces it: an inline script added to the page does not run."""
    outcome = await page.evaluate(
        """() => new Promise(resolve => {
            // The browser reports the refusal as an event; an inline script that is allowed runs on insertion.
            document.addEventListener("securitypolicyviolation", event => {
                resolve({ran: window.__inlineRan === true, violated: event.violatedDirective.startsWith("script-src")});
            }, {once: true});
            const s = document.createElement("script");
            s.textContent = "window.__inlineRan = true";
            document.body.appendChild(s);
            if (window.__inlineRan === true) resolve({ran: true, violated: false});
        })"""
    )
    assert outcome == {"ran": False, "violated": True}, f"inline script on {page.url}: {outcome}"


class HostPages:
    """Pages of *another* web site (its own origin, no CSP of ours), e.g. a shop that embeds the widget, or an
    attacker's page. Served by :func:`tests.support.listening` on 127.0.0.1; reach it as ``http://localhost:<port>``
    for a different site than the platform's ``http://127.0.0.1:<port>``."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = self.pages.get(scope["path"])
        status = 200 if body is not None else 404
        raw = (body or "not found").encode()
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(raw)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})


@dataclass(frozen=True)
class Account:
    agent_id: str
    name: str
    email: str
    password: str
    role: str


async def new_account(api: httpx2.AsyncClient, platform: WebPlatform, role: str = "agent", name: str = "") -> Account:
    """A human agent of the demo tenant with a password, made through the public API with the tenant's key."""
    import secrets

    tag = secrets.token_hex(4)
    name = name or f"{role.title()} {tag}"
    email = f"{role}-{tag}@example.com"
    r = await api.post(
        "/v1/tickets/agents", headers=platform.headers(), json={"name": name, "email": email, "role": role}
    )
    assert r.status_code == 201, r.text
    agent_id = r.json()["agent_id"]
    password = f"pw-{secrets.token_urlsafe(12)}"
    r = await api.put(
        f"/v1/tickets/agents/{agent_id}/password", headers=platform.headers(), json={"password": password}
    )
    assert r.status_code == 204, r.text
    return Account(agent_id, name, email, password, role)


async def own_tenant(event_log: EventLog, api: httpx2.AsyncClient, platform: WebPlatform, name: str) -> WebPlatform:
    """A new tenant on the running platform (for a test that changes what the demo tenant's other tests rely on:
    its releases, its original key), once the agent and ticketing services both accept its key."""
    tenant = await create_tenant(event_log, name)
    mine = dataclasses.replace(platform, api_key=tenant.api_key)

    async def known() -> bool:
        agent = await api.get("/v1/agent/releases", headers=mine.headers())
        team = await api.get("/v1/tickets/agents", headers=mine.headers())
        return agent.status_code == 200 and team.status_code == 200

    await eventually(known, timeout=30, what="the platform to learn the new tenant")
    return mine


async def sign_in(page: Page, platform: WebPlatform, account: Account, next_path: str = "/inbox") -> None:
    await page.goto(f"{platform.base}/web/sign-in?next={next_path}")
    await page.get_by_label("E-mail").fill(account.email)
    await page.get_by_label("Password").fill(account.password)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{platform.base}{next_path}*")


@pytest.fixture
async def browser_contexts(browser: Browser) -> AsyncIterator[tuple[BrowserContext, BrowserContext]]:
    """Two people at once (a customer and a human agent), each in their own browser profile."""
    first = await browser.new_context(viewport={"width": 1280, "height": 800})
    second = await browser.new_context(viewport={"width": 1280, "height": 900})
    for ctx in (first, second):
        await ctx.add_init_script(path=str(AXE))
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()
