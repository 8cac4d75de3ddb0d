"""What an operator's command may ask of the conversation service (``deskpilot replay``): its public functions."""

from __future__ import annotations

from nats.aio.client import Client as NATS

from libs.events import EventLog, decode
from libs.events.subjects import CONVERSATION_PREFIX
from libs.platform.db import Database
from services.conversation import service
from services.conversation.repository import ConversationRepository
from services.conversation.service import ConversationNotFound, ReplayReport

__all__ = ["ConversationNotFound", "ReplayReport", "replay", "tenant_of"]


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
