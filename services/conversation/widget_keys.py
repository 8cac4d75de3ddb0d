"""The tenant's management of web chat widget keys: create, list, revoke (tenant API key)."""

from __future__ import annotations

import logging
import secrets

from litestar import Controller, delete, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from libs.events import new_id
from libs.events.subjects import widget_key_revoked_subject
from libs.platform.http import Runtime, TenantId
from services.conversation.chat.access import WIDGET_KEY_PREFIX, access_cache, digest
from services.conversation.repository import ConversationRepository
from services.conversation.schemas import CreatedWidgetKey, NewWidgetKey, WidgetKeyList, WidgetKeySummary

log = logging.getLogger("deskpilot.conversation.widget_keys")
# "dpw_" and four random characters: enough to tell keys apart in a list, far too little to guess one.
SHOWN_PREFIX_CHARS = len(WIDGET_KEY_PREFIX) + 4


class WidgetKeyController(Controller):
    path = "/v1/conversations/widget-keys"

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, tenant_id: TenantId, runtime: Runtime, data: JSONBody[NewWidgetKey]) -> CreatedWidgetKey:
        """Create a public widget key for the web chat, usable only from ``allowed_origins``; shown once."""
        key, key_id = WIDGET_KEY_PREFIX + secrets.token_urlsafe(32), new_id("wk")
        prefix = key[:SHOWN_PREFIX_CHARS]
        async with runtime.unit_of_work() as uow:
            created_at = await ConversationRepository(uow.session).add_widget_key(
                tenant_id, key_id, digest(key), prefix, data.allowed_origins
            )
        return CreatedWidgetKey(
            key_id=key_id,
            widget_key=key,
            key_prefix=prefix,
            allowed_origins=data.allowed_origins,
            created_at=created_at,
        )

    @get("/")
    async def list_keys(self, tenant_id: TenantId, runtime: Runtime) -> WidgetKeyList:
        """This tenant's widget keys, newest first, revoked ones included (with ``revoked_at``); never the keys."""
        async with runtime.db.session() as session:
            rows = await ConversationRepository(session).widget_keys(tenant_id)
        return WidgetKeyList(
            items=[
                WidgetKeySummary(
                    key_id=r.key_id,
                    key_prefix=r.key_prefix,
                    allowed_origins=r.allowed_origins,
                    created_at=r.created_at,
                    revoked_at=r.revoked_at,
                )
                for r in rows
            ]
        )

    @delete("/{key_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def revoke(self, tenant_id: TenantId, key_id: FromPath[str], runtime: Runtime) -> None:
        """Revoke a widget key: from now on it is refused (401), and chats open with it are closed. Idempotent."""
        async with runtime.unit_of_work() as uow:
            revoked_at = await ConversationRepository(uow.session).revoke_widget_key(tenant_id, key_id)
        if revoked_at is None:
            raise NotFoundException(f"no widget key {key_id}")
        access_cache(runtime).forget_key(key_id)  # this replica refuses it at once, whatever happens to the notice
        # After the commit, so that a chat told to close finds the key revoked should it reconnect. Best effort:
        # the key is refused either way; a notice lost with NATS leaves open chats open until they reconnect.
        try:
            await runtime.nc.publish(widget_key_revoked_subject(tenant_id, key_id), b"")
        except Exception:
            log.warning("could not announce the revocation of widget key %s", key_id, exc_info=True)
