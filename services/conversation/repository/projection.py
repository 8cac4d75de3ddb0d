"""The projection's one statement per event (or per batch of a conversation's events): advance the conversation and
add its transcript lines in a single round trip, without reading the row first."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import BigInteger, DateTime, Exists, Insert, String, Text, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.conversation.models import conversations, transcript_entries


@dataclass(frozen=True)
class Advance:
    """What a run of a conversation's events does to its row, computed by the service's fold without the row:
    applied only when the row's ``last_position`` is below ``first`` (none of them projected yet)."""

    first: int  # the run's lowest position
    last: int  # its highest: the row's new last_position
    statuses: Mapping[str, str]  # the status after the run, by each status the row may have before it
    at: datetime  # the newest event's time: the row's new updated_at
    events: int  # added to event_count


class NewEntry(Protocol):
    """A transcript line to store (the service's ``TranscriptEntry``)."""

    @property
    def position(self) -> int: ...
    @property
    def event_id(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def at(self) -> datetime: ...


_c = conversations.c
_KEY = (_c.tenant_id == bindparam("t")) & (_c.conversation_id == bindparam("c"))
_ADVANCED = (
    update(conversations)
    .where(_KEY, _c.last_position < bindparam("first"))
    .values(
        # the run's status for the row's; one the fold does not know (there is none: ``service.STATUSES``) is kept
        status=func.coalesce(bindparam("statuses", type_=JSONB)[_c.status].astext, _c.status),
        last_position=bindparam("last"),
        updated_at=bindparam("at"),
        event_count=_c.event_count + bindparam("events"),
    )
    .returning(_c.last_position)
    .cte("advanced")
)
_LINES = (
    func.unnest(
        bindparam("positions", type_=ARRAY(BigInteger)),
        bindparam("event_ids", type_=ARRAY(String)),
        bindparam("roles", type_=ARRAY(String)),
        bindparam("texts", type_=ARRAY(Text)),
        bindparam("ats", type_=ARRAY(DateTime(timezone=True))),
    )
    .table_valued("position", "event_id", "role", "text", "at")
    .render_derived()
)


def _insert_lines(when: Exists) -> Insert:
    """The lines (keyed by position: a line already there is kept), if ``when``."""
    lines = select(
        bindparam("t", type_=String),
        bindparam("c", type_=String),
        *(_LINES.c[name] for name in ("position", "event_id", "role", "text", "at")),
    )
    columns = ["tenant_id", "conversation_id", "position", "event_id", "role", "text", "at"]
    return insert(transcript_entries).from_select(columns, lines.where(when)).on_conflict_do_nothing()


# Every writer of a conversation takes its row's lock before adding its lines (two writers taking them in opposite
# orders could deadlock): the run's lines go in only when the row advanced (this statement then holds its lock); a
# late event's lines are added by a statement that locks the row first.
_APPLY = (
    select(func.count())
    .select_from(_ADVANCED)
    .add_cte(_insert_lines(select(_ADVANCED.c.last_position).exists()).cte("added"))
)
_LOCKED = select(_c.last_position).where(_KEY).with_for_update().cte("locked")
_ADD_LATE = _insert_lines(select(_LOCKED.c.last_position).exists())


def _lines(entries: Sequence[NewEntry]) -> dict[str, list[Any]]:
    return {
        "positions": [e.position for e in entries],
        "event_ids": [e.event_id for e in entries],
        "roles": [e.role for e in entries],
        "texts": [e.text for e in entries],
        "ats": [e.at for e in entries],
    }


async def apply(
    session: AsyncSession, tenant_id: str, conversation_id: str, advance: Advance, entries: Sequence[NewEntry]
) -> bool:
    """Apply ``advance`` and add ``entries`` in one statement; whether the row advanced (False: no such conversation,
    or an event of the run was projected already; then no line was added either)."""
    values = {
        "t": tenant_id,
        "c": conversation_id,
        "first": advance.first,
        "last": advance.last,
        "statuses": dict(advance.statuses),
        "at": advance.at,
        "events": advance.events,
        **_lines(entries),
    }
    return bool((await session.execute(_APPLY, values)).scalar_one())


async def add_late_entries(
    session: AsyncSession, tenant_id: str, conversation_id: str, entries: Sequence[NewEntry]
) -> None:
    """Lines of events projected already (or whose run did not advance), under the row's lock, in one statement;
    none for a conversation that does not exist."""
    await session.execute(_ADD_LATE, {"t": tenant_id, "c": conversation_id, **_lines(entries)})
