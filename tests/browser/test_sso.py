"""Single sign-on in a real browser: an owner sets up the tenant's identity provider on the console's settings page,
then a person signs in through it (a local OpenID Connect issuer on another site: discovery, JWKS, authorize, token
with a signed ID token) and lands on the console in the role the issuer's groups map to."""

from __future__ import annotations

import httpx2
from playwright.async_api import BrowserContext, expect

from services.ticketing.tests.fake_issuer import CLIENT_ID, CLIENT_SECRET, FakeIssuer
from tests.browser.conftest import AXE, WebPlatform, assert_accessible, new_account, screenshot, sign_in


async def test_an_owner_sets_up_single_sign_on_and_a_person_signs_in_with_the_mapped_role(
    context: BrowserContext, web_platform: WebPlatform, api: httpx2.AsyncClient, oidc_issuer: FakeIssuer
) -> None:
    owner = await new_account(api, web_platform, role="owner")
    page = await context.new_page()
    await sign_in(page, web_platform, owner, "/console/sso")
    await expect(page.locator("#sso-redirect-uri")).to_have_text(f"{web_platform.base}/web/sso/callback")
    tenant_id = (await page.locator("#sso-tenant-id").inner_text()).strip()
    await page.get_by_label("Issuer URL").fill(oidc_issuer.base_url)
    await page.get_by_label("Client id").fill(CLIENT_ID)
    await page.get_by_label("Client secret").fill(CLIENT_SECRET)
    await page.get_by_label("Claim values").fill("desk-admins = admin\ndesk-agents = agent")
    await page.get_by_role("button", name="Save single sign-on").click()
    await expect(page.get_by_text("Single sign-on saved.")).to_be_visible()
    await expect(page.get_by_label("Claim values")).to_have_value("desk-admins = admin\ndesk-agents = agent")
    await assert_accessible(page)
    await screenshot(page, "console-sso-settings")

    oidc_issuer.user = {"sub": "grace-1", "email": "grace@example.com", "name": "Grace SSO", "groups": ["desk-admins"]}
    person = await context.browser.new_context() if context.browser else context
    await person.add_init_script(path=str(AXE))
    try:
        sso_page = await person.new_page()
        visited: list[str] = []
        sso_page.on("framenavigated", lambda frame: visited.append(frame.url))
        await sso_page.goto(f"{web_platform.base}/web/sign-in?next=/console")
        await sso_page.get_by_label("Organisation id").fill(tenant_id)
        await sso_page.get_by_role("button", name="Continue with single sign-on").click()
        try:
            await sso_page.wait_for_url(f"{web_platform.base}/console")
        except Exception:
            await screenshot(sso_page, "sso-failed")
            raise AssertionError(f"{visited}: {(await sso_page.content())[:3000]}") from None
        await expect(sso_page.get_by_text("Grace SSO")).to_be_visible()
        await expect(sso_page.locator(".who .role")).to_have_text("admin")
        await screenshot(sso_page, "sso-signed-in-console")
        # Back from the issuer once more with the same (used) answer: refused, and the person is told why.
        await sso_page.goto(f"{web_platform.base}/web/sso/callback?state=used&code=used")
        await expect(sso_page.get_by_role("alert")).to_contain_text("state does not match")
        await assert_accessible(sso_page)
        await screenshot(sso_page, "sso-refused")
    finally:
        if person is not context:
            await person.close()
