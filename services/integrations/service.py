"""Integrations domain logic: connecting a new tenant and API-key integrations, publishing a tenant's tool catalog,
executing tool calls once.

Executing lives in ``tools/execution.py`` (claim, resolve, run, audit, emit) and is re-exported here with what it
needs, so handlers and the app have one entry point.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from libs.events import Envelope
from libs.platform.outbox import UnitOfWork
from services.integrations.errors import ConnectError
from services.integrations.manifest import Manifest, api_key_purpose
from services.integrations.providers import demo_store
from services.integrations.repository import ConnectionRepository, DemoStoreRepository
from services.integrations.tools.catalog import publish_catalog
from services.integrations.tools.execution import execute, executor
from services.integrations.tools.remotes import AttemptJournal, Remotes
from services.integrations.vault import Vault

__all__ = [
    "AttemptJournal",
    "Remotes",
    "connect_api_key",
    "execute",
    "executor",
    "on_tenant_created",
    "publish_catalog",
]


async def on_tenant_created(uow: UnitOfWork, event: Envelope) -> None:
    """Connect the new tenant to the demo store, seed its orders, and publish the tenant's tools to its agent.

    The demo store is connected in live mode: it is a sandbox by construction.
    """
    await ConnectionRepository(uow.session).connect(event.tenant_id, "demo_store")
    await demo_store.seed(DemoStoreRepository(uow.session), event.tenant_id)
    await publish_catalog(uow, event.tenant_id, event)


async def connect_api_key(
    uow: UnitOfWork,
    vault: Vault,
    manifest: Manifest,
    tenant_id: str,
    key: str,
    params: dict[str, str],
    user_id: str | None,
    *,
    allow_private: bool,
) -> None:
    """Store the tenant's API key (encrypted) and connect the integration at once; ``ConnectError`` if the key
    or the params are not acceptable (the connect body's schema states both) or the operator does not allow the
    ``api_base_url`` (403)."""
    settings = manifest.auth.api_key
    if settings is None:
        raise ConnectError(501, f"{manifest.title}'s manifest has no auth.api_key settings")
    if not re.fullmatch(settings.key_pattern, key):
        raise ConnectError(422, f"api_key must be {settings.key_hint}")
    _check_api_base_override(params, allow_private)
    await vault.put(uow.session, tenant_id, api_key_purpose(manifest.name), key)
    await ConnectionRepository(uow.session).upsert_api_key(
        tenant_id, manifest.name, params=params, connected_by=user_id
    )
    await publish_catalog(uow, tenant_id, None)


def _check_api_base_override(params: dict[str, str], allow_private: bool) -> None:
    """API-key connections take one param, ``api_base_url``: https to a named host, or any http(s) URL when private
    destinations are allowed (a local fake provider). What the operator does not allow is 403, as for MCP servers."""
    unknown = set(params) - {"api_base_url"}
    if unknown:
        raise ConnectError(422, f"unknown params: {', '.join(sorted(unknown))}")
    if "api_base_url" in params:
        url = urlsplit(params["api_base_url"])
        host = url.hostname or ""
        literal = host == "localhost" or host.replace(".", "").isdigit() or ":" in host
        if url.scheme not in ("http", "https") or not host:
            raise ConnectError(422, "api_base_url must be an http(s) URL")
        if (url.scheme != "https" or literal) and not allow_private:
            raise ConnectError(403, "api_base_url must be https to a named host: private destinations are not allowed")
