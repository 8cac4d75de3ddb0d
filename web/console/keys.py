"""The tenant's keys: API keys (owners create, rotate and revoke, the key the tenant was created with included; a new
key is shown once, on the next page only) and the web chat's widget keys with their allowed origins (create, rotate:
a new key with the same origins and the old one revoked, revoke); and the team's human agents (create with a
password, change a role). Every revocation asks first, on the console's confirmation page (``revocations``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.response import Redirect

from web.api import ApiError
from web.auth import SessionApi, act, layout
from web.console.common import (
    AnyRequest,
    Api,
    Store,
    admin,
    admin_form,
    confirmation_page,
    confirmed,
)
from web.console.revocations import api_key_revocation, ask_url, widget_key_revocation
from web.pages import page
from web.sessions import Session

BACK = "/console/keys"


def _reveal(session: Session, label: str, secret: str) -> None:
    """A new secret for the next page only (kept in the server session, never in a URL)."""
    session.reveal = (label, secret)


class KeysController(Controller):
    path = "/console/keys"

    @get("/")
    async def keys(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        user = SessionApi(api, session)
        revealed, session.reveal = session.reveal, None
        api_keys = await user.get("/v1/tickets/api-keys")
        return page(
            "console/keys.html",
            **layout(
                session,
                section="console",
                tab="keys",
                api_keys=api_keys["items"],
                original_active=api_keys.get("original_key_active", True),
                widget_keys=(await user.get("/v1/conversations/widget-keys"))["items"],
                agents=(await user.get("/v1/tickets/agents"))["items"],
                revealed=revealed,
                is_owner=session.role == "owner",
            ),
        )

    async def _new_secret(self, session: Session, label: str, call: Any, field: str) -> Redirect:
        try:
            created = await call
        except ApiError as exc:
            if exc.status == 401:
                raise
            session.say("error", exc.detail or f"refused ({exc.status})")
        else:
            _reveal(session, label, created[field])
            session.say("ok", f"{label}: copy it now, it is not shown again.")
        return Redirect(BACK, status_code=303)

    @post("/api")
    async def create_api_key(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        body = {"name": form.get("name", "").strip() or "API key", "role": form.get("role", "admin")}
        return await self._new_secret(
            session, f"New API key {body['name']}", user.post("/v1/tickets/api-keys", json_body=body), "api_key"
        )

    @post("/api/{key_id:str}/rotate")
    async def rotate_api_key(self, request: AnyRequest, key_id: str, api: Api, store: Store) -> Redirect:
        session, _, user = await admin_form(request, store, api)
        return await self._new_secret(
            session, "Rotated API key", user.post(f"/v1/tickets/api-keys/{key_id}/rotate"), "api_key"
        )

    async def _confirmation(self, request: AnyRequest, store: Store, api: Api, kind: str, key_id: str) -> Response[str]:
        """What revoking this key does, and the one button that does it."""
        session = admin(request, store)
        user = SessionApi(api, session)
        explain = api_key_revocation if kind == "api" else widget_key_revocation
        return confirmation_page(session, "keys", await explain(user, key_id))

    @get("/api/{key_id:str}/revoke")
    async def confirm_api_key_revoke(self, request: AnyRequest, key_id: str, api: Api, store: Store) -> Response[str]:
        return await self._confirmation(request, store, api, "api", key_id)

    @post("/api/{key_id:str}/revoke")
    async def revoke_api_key(self, request: AnyRequest, key_id: str, api: Api, store: Store) -> Redirect:
        """Revoke an API key once its confirmation page said yes (a form without ``confirm`` goes there)."""
        session, form, user = await admin_form(request, store, api)
        if (ask := confirmed(form, ask_url("api", key_id))) is not None:
            return ask
        done = "The tenant's original key is revoked: every service refuses it within seconds."
        done = done if key_id == "original" else "API key revoked: every service refuses it within seconds."
        return await act(session, BACK, done, user.call("DELETE", f"/v1/tickets/api-keys/{key_id}"))

    @post("/widget")
    async def create_widget_key(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        origins = [o.strip() for o in form.get("origins", "").replace(",", " ").split() if o.strip()]
        call = user.post("/v1/conversations/widget-keys", json_body={"allowed_origins": origins})
        return await self._new_secret(session, "New widget key", call, "widget_key")

    @post("/widget/{key_id:str}/rotate")
    async def rotate_widget_key(self, request: AnyRequest, key_id: str, api: Api, store: Store) -> Redirect:
        """A new widget key for the same sites, then the old one revoked (its open chats are closed)."""
        session, _, user = await admin_form(request, store, api)

        async def rotate() -> dict[str, Any]:
            keys = (await user.get("/v1/conversations/widget-keys"))["items"]
            old = next((k for k in keys if k["key_id"] == key_id and k["revoked_at"] is None), None)
            if old is None:
                raise ApiError(404, "not_found", f"no active widget key {key_id}")
            created: dict[str, Any] = await user.post(
                "/v1/conversations/widget-keys", json_body={"allowed_origins": old["allowed_origins"]}
            )
            await user.call("DELETE", f"/v1/conversations/widget-keys/{key_id}")
            return created

        return await self._new_secret(session, "Rotated widget key", rotate(), "widget_key")

    @get("/widget/{key_id:str}/revoke")
    async def confirm_widget_key_revoke(
        self, request: AnyRequest, key_id: str, api: Api, store: Store
    ) -> Response[str]:
        return await self._confirmation(request, store, api, "widget", key_id)

    @post("/widget/{key_id:str}/revoke")
    async def revoke_widget_key(self, request: AnyRequest, key_id: str, api: Api, store: Store) -> Redirect:
        """Revoke a widget key once its confirmation page said yes (a form without ``confirm`` goes there)."""
        session, form, user = await admin_form(request, store, api)
        if (ask := confirmed(form, ask_url("widget", key_id))) is not None:
            return ask
        call = user.call("DELETE", f"/v1/conversations/widget-keys/{key_id}")
        return await act(session, BACK, "Widget key revoked; its open chats are closed.", call)

    @post("/agents")
    async def create_agent(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        """A human agent with a password, in two API calls (create, then set the password)."""
        session, form, user = await admin_form(request, store, api)
        body = {"name": form.get("name", "").strip(), "email": form.get("email", "").strip() or None,
                "role": form.get("role", "agent")}  # fmt: skip

        async def create() -> None:
            agent = await user.post("/v1/tickets/agents", json_body=body)
            await user.call(
                "PUT",
                f"/v1/tickets/agents/{agent['agent_id']}/password",
                json_body={"password": form.get("password", "")},
            )

        return await act(session, BACK, f"{body['name']} can sign in now.", create())
