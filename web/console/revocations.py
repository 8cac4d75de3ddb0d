"""What revoking each kind of key does, for the console's confirmation page (``common.Confirmation``): the tenant's
original key, an issued API key, a widget key. The keys page's "Revoke…" is a GET of ``…/{key_id}/revoke`` (this
page); its yes posts to the same address."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from web.api import ApiError
from web.auth import SessionApi
from web.console.common import Confirmation

KEYS = "/console/keys"
BACK_LABEL = "Keys and team"
ALREADY = "This key is already revoked."
NOT_UNDONE = "It cannot be undone: the key is never accepted again."
NO_OTHER_OWNER = (
    "There is no other active owner API key. Create one on the keys page and move your integrations to it first, "
    "unless nothing uses the original key any more."
)
API_KEY_EFFECTS = [
    "Every service refuses it (401) within seconds: any integration, script or deployment still using it stops "
    "working.",
    NOT_UNDONE,
    "People who sign in to the inbox and the console are not affected.",
]


def ask_url(kind: str, key_id: str) -> str:
    return f"{KEYS}/{kind}/{key_id}/revoke"


async def api_key_revocation(user: SessionApi, key_id: str) -> Confirmation:
    """The tenant's original key (``key_id`` ``original``) or one of its issued API keys."""
    listed = await user.get("/v1/tickets/api-keys")
    if key_id == "original":
        return _original(listed)
    key = next((k for k in listed["items"] if k["key_id"] == key_id), None)
    if key is None:
        raise ApiError(404, "not_found", f"no API key {key_id}")
    return Confirmation(
        title=f"Revoke the API key “{key['name']}”?",
        subject=f"{key['name']} ({key['role']}, {key['key_prefix']}…)",
        effects=API_KEY_EFFECTS,
        action=ask_url("api", key_id),
        button="Yes, revoke this API key",
        back=KEYS,
        back_label=BACK_LABEL,
        done=ALREADY if key["revoked_at"] else None,
    )


def _original(listed: dict[str, Any]) -> Confirmation:
    owners = [k for k in listed["items"] if k["role"] == "owner" and not k["revoked_at"]]
    confirmation = Confirmation(
        title="Revoke the tenant's original key?",
        subject="The API key the tenant was created with (owner)",
        effects=API_KEY_EFFECTS,
        action=ask_url("api", "original"),
        button="Yes, revoke the original key",
        back=KEYS,
        back_label=BACK_LABEL,
        done=None if listed.get("original_key_active", True) else ALREADY,
    )
    if not owners:
        return replace(confirmation, warning=NO_OTHER_OWNER)
    others = ", ".join(f"{k['name']} ({k['key_prefix']}…)" for k in owners)
    note = f"Other active owner keys: {others}. Make sure what used the original key uses one of them now."
    return replace(confirmation, notes=[note])


async def widget_key_revocation(user: SessionApi, key_id: str) -> Confirmation:
    """One of the tenant's widget keys."""
    keys = (await user.get("/v1/conversations/widget-keys"))["items"]
    key = next((k for k in keys if k["key_id"] == key_id), None)
    if key is None:
        raise ApiError(404, "not_found", f"no widget key {key_id}")
    sites = ", ".join(key["allowed_origins"]) or "no site"
    return Confirmation(
        title="Revoke this widget key?",
        subject=f"Widget key {key.get('key_prefix') or key_id}… for {sites}",
        effects=[
            f"The chat widget stops working on {sites}: visitors can no longer start or continue a chat with it.",
            "Its open chats are closed.",
            NOT_UNDONE,
        ],
        action=ask_url("widget", key_id),
        button="Yes, revoke this widget key",
        back=KEYS,
        back_label=BACK_LABEL,
        done=ALREADY if key["revoked_at"] else None,
    )
