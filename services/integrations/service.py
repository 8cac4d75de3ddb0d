"""Integrations domain logic: connecting a new tenant, publishing its tool catalog, executing tool calls once.

Executing lives in ``tools/execution.py`` (claim, resolve, run, audit, emit) and is re-exported here with what it
needs, so handlers and the app have one entry point.
"""

from __future__ import annotations

from libs.events import Envelope
from libs.platform.outbox import UnitOfWork
from services.integrations.providers import demo_store
from services.integrations.repository import ConnectionRepository, DemoStoreRepository
from services.integrations.tools.catalog import publish_catalog
from services.integrations.tools.execution import execute
from services.integrations.tools.remotes import AttemptJournal, Remotes

__all__ = ["AttemptJournal", "Remotes", "execute", "on_tenant_created", "publish_catalog"]


async def on_tenant_created(uow: UnitOfWork, event: Envelope) -> None:
    """Every new tenant gets the demo store connected (in live mode: it is a sandbox by construction)."""
    await ConnectionRepository(uow.session).connect(event.tenant_id, "demo_store")
    await demo_store.seed(DemoStoreRepository(uow.session), event.tenant_id)
    await publish_catalog(uow, event.tenant_id, event)
