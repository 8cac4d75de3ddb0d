"""HubSpot tools over the CRM v3 contacts API, with the tenant's OAuth access token."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx2

from services.integrations.errors import ToolError
from services.integrations.oauth.api import call_api
from services.integrations.oauth.connections import OAuthConnections
from services.integrations.tools.call import ToolCall

PROPERTIES = "email,firstname,lastname,phone,lifecyclestage"
EDITABLE = ("firstname", "lastname", "phone")


def _check(response: httpx2.Response, email: str) -> dict[str, Any]:
    if response.status_code == 404:
        raise ToolError("not_found", f"there is no HubSpot contact with email {email}")
    if response.status_code == 429 or response.status_code >= 500:
        raise ToolError("transient", f"HubSpot answered {response.status_code}; try again shortly")
    if response.status_code >= 400:
        message = response.json().get("message", "") if "json" in response.headers.get("content-type", "") else ""
        raise ToolError("permanent", f"HubSpot refused the request ({response.status_code}): {message}"[:500])
    body: dict[str, Any] = response.json()
    return body


def _contact_view(body: dict[str, Any]) -> dict[str, Any]:
    props = body.get("properties") or {}
    return {"id": body.get("id"), **{k: props.get(k) for k in ("email", *EDITABLE, "lifecyclestage")}}


async def execute(oauth: OAuthConnections, call: ToolCall) -> dict[str, Any]:
    tool, args, params = call.request.tool, call.request.arguments, call.params
    session, tenant_id, manifest = call.session, call.tenant_id, call.manifest
    email = str(args["email"]).lower()
    path = f"/crm/v3/objects/contacts/{quote(email, safe='')}"
    if tool == "hubspot_get_contact":
        response = await call_api(
            oauth, session, tenant_id, manifest, params, "GET", path, before_send=call.before_send,
            params={"idProperty": "email", "properties": PROPERTIES},
        )  # fmt: skip
        contact = _contact_view(_check(response, email))
        name = " ".join(p for p in (contact["firstname"], contact["lastname"]) if p) or email
        return {**contact, "summary": f"HubSpot contact {name} <{email}>."}
    if tool == "hubspot_update_contact":
        changes = {k: args[k] for k in EDITABLE if k in args}
        response = await call_api(
            oauth, session, tenant_id, manifest, params, "PATCH", path, before_send=call.before_send,
            params={"idProperty": "email"}, json={"properties": changes},
        )  # fmt: skip
        contact = _contact_view(_check(response, email))
        return {**contact, "summary": f"Updated HubSpot contact {email}: {', '.join(sorted(changes))}."}
    raise ToolError("unknown_tool", f"{tool} has no handler")
