"""Single sign-on to the inbox and console through the tenant's OpenID Connect identity provider (decision 0029).

Ticketing is the relying party (it holds the client secret, verifies the ID token and issues the sign-in key); this
module only carries the browser there and back. ``/web/sso/start?tenant=…`` asks ticketing for the issuer's
authorization URL and keeps the attempt's ``state`` in a short-lived cookie of this browser; ``/web/sso/callback``
accepts the issuer's answer only with that same state (so a sign-in started elsewhere, or an attacker's code, is
refused here before anything is asked), then lets ticketing finish it and keeps the sign-in as a session.

Both legs answer with a page that moves on by itself (``<meta http-equiv="refresh">``) rather than a redirect. On
the way out, the sign-in form is submitted here, and the CSP's ``form-action 'self'`` also holds for where a form's
redirect leads, so a redirect to the issuer would be blocked. On the way back, the session cookie is ``Strict``
(0028) and a redirect chain that began at the issuer is cross-site, so the next page would not see it. The state
cookie is ``SameSite=Lax``: the issuer's redirect back is a navigation from another site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, unquote

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import Parameter

from web.api import ApiError, PublicApi
from web.auth import cookie, open_session, safe_next, sign_in_page
from web.config import WebSettings
from web.pages import page
from web.security import csrf_ok
from web.sessions import SessionStore

SSO_COOKIE = "__Host-dp_sso"
ATTEMPT_S = 600  # as long as ticketing keeps the attempt
CALLBACK_PATH = "/web/sso/callback"


@dataclass(frozen=True)
class Attempt:
    """A sign-in this browser started: its state, its tenant, and where to go afterwards."""

    state: str
    tenant_id: str
    next_url: str

    def cookie_value(self) -> str:
        return "|".join(quote(part, safe="") for part in (self.state, self.tenant_id, self.next_url))

    @classmethod
    def from_cookie(cls, value: str | None) -> Attempt | None:
        parts = (value or "").split("|")
        if len(parts) != 3 or not all(parts[:2]):
            return None
        state, tenant_id, next_url = (unquote(p) for p in parts)
        return cls(state, tenant_id, safe_next(next_url))


def callback_url(request: Request[Any, Any, Any], settings: WebSettings) -> str:
    base = settings.public_url or str(request.base_url)
    return base.rstrip("/") + CALLBACK_PATH


def refused(settings: WebSettings, next_url: str, why: str, status: int, tenant_id: str = "") -> Response[str]:
    """Back to the sign-in page with the reason, and no attempt left in this browser."""
    response = sign_in_page(settings, next_url, f"Single sign-on refused: {why}", status, sso_tenant=tenant_id)
    response.delete_cookie(SSO_COOKIE, path="/")
    return response


_START_ERRORS = {
    404: "single sign-on is not set up for this organisation.",
    422: "enter your organisation's id as your administrator gave it to you.",
    502: "the identity provider does not answer right now; try again later.",
}


class SsoController(Controller):
    path = "/web/sso"

    @get("/start")
    async def start(
        self,
        request: Request[Any, Any, Any],
        api: NamedDependency[PublicApi],
        settings: NamedDependency[WebSettings],
        tenant: str = "",
        next: str | None = None,
    ) -> Response[Any]:
        """Send the browser to the organisation's identity provider."""
        tenant_id, next_url = tenant.strip(), safe_next(next)
        if not tenant_id or len(tenant_id) > 64:
            return refused(settings, next_url, _START_ERRORS[422], 422)
        body = {"tenant_id": tenant_id, "redirect_uri": callback_url(request, settings)}
        try:
            started = await api.post("/v1/tickets/sso/authorizations", json_body=body)
        except ApiError as exc:
            why = _START_ERRORS.get(exc.status, "signing in is not possible right now.")
            return refused(settings, next_url, why, exc.status if exc.status in _START_ERRORS else 503, tenant_id)
        attempt = Attempt(started["state"], tenant_id, next_url)
        response = page("sso_continue.html", authorization_url=started["authorization_url"])
        response.set_cookie(cookie(SSO_COOKIE, attempt.cookie_value(), ATTEMPT_S, settings, samesite="lax"))
        return response

    @get("/callback")
    async def callback(
        self,
        request: Request[Any, Any, Any],
        api: NamedDependency[PublicApi],
        store: NamedDependency[SessionStore],
        settings: NamedDependency[WebSettings],
        returned_state: Annotated[str | None, Parameter(query="state")] = None,  # "state" is Litestar's own name
        code: str | None = None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> Response[Any]:
        """Where the identity provider sends the browser back: the same state as this browser's attempt, or no."""
        attempt = Attempt.from_cookie(request.cookies.get(SSO_COOKIE))
        next_url = attempt.next_url if attempt else "/inbox"
        tenant_id = attempt.tenant_id if attempt else ""
        state = returned_state
        if attempt is None or not state or not csrf_ok(attempt.state, state):
            why = "this sign-in was not started in this browser, or took too long (the state does not match)."
            return refused(settings, next_url, why, 400, tenant_id)
        if error or not code:
            said = f"{error}: {error_description}" if error and error_description else error or "no code"
            return refused(settings, next_url, f"the identity provider did not sign you in ({said[:200]}).", 401)
        body = {"tenant_id": attempt.tenant_id, "state": state, "code": code}
        try:
            signed = await api.post("/v1/tickets/sso/sessions", json_body=body)
        except ApiError as exc:
            status = exc.status if exc.status in (401, 403, 404) else 502
            return refused(settings, next_url, exc.detail, status, tenant_id)
        response = page("sso_done.html", next=next_url)
        await open_session(response, signed, store, settings)
        response.delete_cookie(SSO_COOKIE, path="/")
        return response
