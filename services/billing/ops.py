"""What an operator's command may ask of the billing service (``deskpilot billing rebuild``, ``deskpilot projections
rebuild``): its public functions."""

from __future__ import annotations

import time

from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError

from libs.events import EventLog
from libs.events.streams import EVENTS_STREAM
from libs.platform.db import Database
from libs.platform.projection_repair import RepairRefused
from libs.platform.projections import ProjectionCheck
from services.billing.rebuild import RebuildReport, projection_checks, rebuild_and_compare, repair_ledger
from services.billing.repository import LedgerRepository

__all__ = ["RebuildReport", "check_projections", "rebuild", "repair_projections"]

LEDGER_CONSUMER = "billing-ledger"
"""The durable that books the ledger (``handlers.subscriptions``' ``ledger``, named ``<service>-<name>``)."""


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


async def ledger_applied_through(nc: NATS) -> int:
    """The last position billing's ledger consumer was given, when it has applied (acknowledged) all it was given
    and nothing waits for it; :class:`RepairRefused` otherwise."""
    try:
        info = await nc.jetstream().consumer_info(EVENTS_STREAM, LEDGER_CONSUMER, timeout=5)
    except NotFoundError as exc:
        raise RepairRefused(f"no consumer {LEDGER_CONSUMER}: start billing first") from exc
    if info.num_pending or info.num_ack_pending:
        raise RepairRefused(
            f"{LEDGER_CONSUMER} has not caught up ({info.num_pending or 0} events to take, "
            f"{info.num_ack_pending or 0} unacknowledged): run it again when deskpilot_consumer_lag is 0"
        )
    return info.delivered.stream_seq or 0


async def repair_projections(nc: NATS, database_url: str, tenant_id: str | None) -> list[ProjectionCheck]:
    """``deskpilot projections rebuild billing`` (no ``--check``): booking's tables rebuilt from the log up to what
    the ledger consumer has applied, and written over the live ones in one transaction (``rebuild.repair_ledger``)."""
    db = Database(database_url, schema="billing")

    async def applied_through() -> int:
        return await ledger_applied_through(nc)

    try:
        async with db.session() as session:
            checks = await repair_ledger(EventLog(nc), LedgerRepository(session), applied_through, tenant_id)
            await session.commit()
            return checks
    finally:
        await db.close()
