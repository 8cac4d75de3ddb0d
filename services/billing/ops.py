"""What an operator's command may ask of the billing service (``deskpilot billing rebuild``): its public functions."""

from __future__ import annotations

from nats.aio.client import Client as NATS

from libs.events import EventLog
from libs.platform.db import Database
from services.billing.rebuild import RebuildReport, rebuild_and_compare
from services.billing.repository import LedgerRepository

__all__ = ["RebuildReport", "rebuild"]


async def rebuild(nc: NATS, database_url: str, tenant_id: str | None) -> RebuildReport:
    """Recompute the ledger from the event log (one tenant or all) and compare it with the live one."""
    db = Database(database_url, schema="billing")
    try:
        async with db.session() as session:
            return await rebuild_and_compare(EventLog(nc), LedgerRepository(session), tenant_id)
    finally:
        await db.close()
