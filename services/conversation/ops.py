"""What an operator's command may ask of the conversation service (``deskpilot replay``, ``deskpilot privacy``):
its public functions."""

from __future__ import annotations

from nats.aio.client import Client as NATS

from libs.events import EventLog, decode
from libs.events.subjects import CONVERSATION_PREFIX
from libs.platform.db import Database
from libs.platform.outbox import OutboxRelay, outbox_table
from libs.platform.projections import ProjectionCheck
from services.conversation import privacy, rebuild, service
from services.conversation.models import metadata
from services.conversation.repository import ConversationRepository, ViewRepository
from services.conversation.service import ConversationNotFound, ReplayReport

__all__ = [
    "ConversationNotFound",
    "ReplayReport",
    "Subject",
    "check_projections",
    "repair_projections",
    "replay",
    "request_privacy",
    "tenant_of",
]

Subject = privacy.Subject


async def tenant_of(nc: NATS, conversation_id: str) -> str | None:
    """The tenant a conversation belongs to, from its first event; None if the log has no such conversation."""
    first = await EventLog(nc).read_raw(f"{CONVERSATION_PREFIX}.*.{conversation_id}.conversation.started")
    return decode(first[0][1]).tenant_id if first else None


async def replay(nc: NATS, database_url: str, tenant_id: str, conversation_id: str) -> ReplayReport:
    """Rebuild the conversation's transcript from the log and compare it with the stored view.
    Raises :class:`ConversationNotFound` if the view does not have it (yet)."""
    db = Database(database_url, schema="conversation")
    try:
        async with db.session() as session:
            return await service.replay(EventLog(nc), ConversationRepository(session), tenant_id, conversation_id)
    finally:
        await db.close()


async def request_privacy(
    nc: NATS, database_url: str, tenant_id: str, kind: str, subject: privacy.Subject
) -> tuple[str, list[str]]:
    """``deskpilot privacy erase|export``: the same as ``POST /v1/privacy/erasures|exports`` (``kind``), by the
    operator; returns the request's id and its conversations."""
    db = Database(database_url, schema="conversation")
    log = EventLog(nc)
    relay = OutboxRelay(db.sessions, outbox_table(metadata), log)
    try:
        async with relay.unit_of_work() as uow:
            if kind == "erase":
                return await privacy.request_erasure(log, uow, tenant_id, subject, "cli")
            return await privacy.request_export(uow, tenant_id, subject)
    finally:
        await db.close()


async def check_projections(nc: NATS, database_url: str, tenant_id: str | None) -> list[ProjectionCheck]:
    """``deskpilot projections rebuild conversation``: the conversation views rebuilt from the log, compared."""
    db = Database(database_url, schema="conversation")
    try:
        async with db.session() as session:
            return await rebuild.check_views(EventLog(nc), ViewRepository(session), tenant_id)
    finally:
        await db.close()


async def repair_projections(nc: NATS, database_url: str, tenant_id: str | None) -> list[ProjectionCheck]:
    """``deskpilot projections rebuild conversation`` (no ``--check``): the views rebuilt from the log and written
    over the live tables, in one transaction under the tables' lock (``rebuild.repair_views``)."""
    db = Database(database_url, schema="conversation")
    try:
        async with db.session() as session:
            checks = await rebuild.repair_views(EventLog(nc), ViewRepository(session), tenant_id)
            await session.commit()
            return checks
    finally:
        await db.close()
