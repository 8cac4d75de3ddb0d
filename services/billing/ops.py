"""What an operator's command may ask of the billing service (``deskpilot billing rebuild``, ``deskpilot projections
rebuild``): its public functions."""

from __future__ import annotations

import time

from nats.aio.client import Client as NATS

from libs.events import EventLog
from libs.platform.db import Database
from libs.platform.projections import ProjectionCheck
from services.billing.rebuild import RebuildReport, projection_checks, rebuild_and_compare
from services.billing.repository import LedgerRepository

__all__ = ["RebuildReport", "check_projections", "rebuild"]


async def rebuild(nc: NATS, database_url: str, tenant_id: str | None) -> RebuildReport:
    """Recompute the ledger from the event log (one tenant or all) and compare it with the live one."""
    db = Database(database_url, schema="billing")
    try:
        async with db.session() as session:
            return await rebuild_and_compare(EventLog(nc), LedgerRepository(session), tenant_id)
    finally:
        await db.close()


async def check_projections(nc: NATS, database_url: str, tenant_id: str | None) -> list[ProjectionCheck]:
    """``deskpilot projections rebuild billing``: the ledger, turn usage, meters and monthly active conversations
    (what billing's reports and analytics read) rebuilt from the log with ``booking.book``, compared table by table."""
    started = time.perf_counter()
    report = await rebuild(nc, database_url, tenant_id)
    return projection_checks(report, time.perf_counter() - started)
