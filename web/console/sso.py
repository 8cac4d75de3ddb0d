"""Single sign-on settings (under Keys & team): the tenant's OpenID Connect identity provider — issuer, client,
secret (sealed by ticketing, never shown again), and which values of which claim give which role. Admins see it;
owners change it. The page also says what to register at the issuer and what the team types to sign in."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect

from web.api import ApiError
from web.auth import SessionApi, act, layout
from web.config import WebSettings
from web.console.common import (
    AnyRequest,
    Api,
    Store,
    admin,
    admin_form,
)
from web.pages import page
from web.sso import callback_url

BACK = "/console/sso"
ROLES = ("agent", "admin", "owner")


def role_values(text: str) -> dict[str, str]:
    """``value = role`` lines (blank lines ignored) as the API's mapping; a line that is not one is an error."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        value, sep, role = line.rpartition("=")
        if not sep or not value.strip() or role.strip() not in ROLES:
            raise ValueError(f"line {number}: write 'claim value = agent|admin|owner'")
        mapping[value.strip()] = role.strip()
    return mapping


def _body(form: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "issuer": form.get("issuer", "").strip(),
        "client_id": form.get("client_id", "").strip(),
        "role_claim": form.get("role_claim", "").strip() or "groups",
        "role_values": role_values(form.get("role_values", "")),
        "default_role": form.get("default_role") if form.get("default_role") in ROLES else None,
    }
    if form.get("client_secret"):
        body["client_secret"] = form["client_secret"]
    return body


class SsoSettingsController(Controller):
    path = "/console/sso"

    @get("/")
    async def show(
        self, request: AnyRequest, api: Api, store: Store, settings: NamedDependency[WebSettings]
    ) -> Response[str]:
        session = admin(request, store)
        try:
            config = await SessionApi(api, session).get("/v1/tickets/sso")
        except ApiError as exc:
            if exc.status != 404:
                raise
            config = None
        return page(
            "console/sso.html",
            **layout(
                session,
                section="console",
                tab="keys",
                config=config,
                mapping="\n".join(f"{k} = {v}" for k, v in (config or {}).get("role_values", {}).items()),
                redirect_uri=callback_url(request, settings),
                tenant_id=session.tenant_id,
                is_owner=session.role == "owner",
            ),
        )

    @post("/")
    async def save(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        try:
            body = _body(form)
        except ValueError as exc:
            session.say("error", f"Role mapping: {exc}")
            return Redirect(BACK, status_code=303)
        try:
            saved = await user.call("PUT", "/v1/tickets/sso", json_body=body)
        except ApiError as exc:
            if exc.status == 401:
                raise
            session.say("error", exc.detail or f"refused ({exc.status})")
        else:  # saved either way; the issuer's answer decides whether sign-ins can work yet
            if problem := saved.get("issuer_problem"):
                session.say("error", f"Saved, but sign-ins will fail until the issuer answers: {problem}")
            else:
                session.say("ok", "Single sign-on saved.")
        return Redirect(BACK, status_code=303)

    @post("/remove")
    async def remove(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, _, user = await admin_form(request, store, api)
        return await act(session, BACK, "Single sign-on is off.", user.call("DELETE", "/v1/tickets/sso"))
