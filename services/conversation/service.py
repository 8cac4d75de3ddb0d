"""Conversation domain logic: opening conversations, accepting messages, projecting the log, replaying it.

The event log is the source of truth; the ``conversation`` tables are a projection of it that ``project`` keeps
up to date (idempotently, by stream position) and that ``replay`` can verify against the log at any time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from libs.events import (
    Actor,
    AgentReplied,
    ConversationHandedBack,
    ConversationResolved,
    ConversationStarted,
    CsatRecorded,
    CsatRequested,
    Envelope,
    EventLog,
    HandoffRequested,
    HumanAssigned,
    HumanReplied,
    MessageReceived,
    PlanQuotaStateChanged,
    RecordedEvent,
    new_id,
)
from libs.events.envelope import SYSTEM
from services.conversation.projected import ProjectedInRequest
from services.conversation.repository import Advance, ConversationRepository, ConversationRow, TranscriptEntry

log_ = logging.getLogger("deskpilot.conversation")
_KEYED_MESSAGES = uuid.UUID("6f1d5c36-6a3e-4c55-9d84-2f1c4b8a7e01")


class ConversationNotFound(LookupError):
    """No such conversation for this tenant (another tenant's conversations are equally 'not found')."""


class MessageTooLarge(ValueError):
    """A message longer than the configured limit."""


class NoRatingRequested(Exception):
    """The customer tried to rate a conversation that has no open request for a rating."""


class QuotaRefused(Exception):
    """The tenant is past its plan's hard limit and chose to refuse new conversations."""


def entry_for(recorded: RecordedEvent) -> TranscriptEntry | None:
    """The transcript line an event contributes, if any."""
    event, payload = recorded.event, recorded.event.payload
    match payload:
        case MessageReceived(text=text):
            role, line = "customer", text
        case AgentReplied(text=text):
            role, line = "ai", text
        case HandoffRequested(reason=reason):
            role, line = "system", f"Handed over to a human: {reason}"
        case ConversationResolved(by=by):
            role, line = "system", f"Resolved by {'the AI' if by == 'ai' else 'a human'}"
        case HumanReplied(text=text):
            role, line = "human", text
        case HumanAssigned(agent_name=name):
            role, line = "system", f"{name} joined the conversation"
        case ConversationHandedBack():
            role, line = "system", "Handed back to the AI assistant"
        case _:
            return None
    return TranscriptEntry(recorded.position, event.id, role, line, event.occurred_at)


STATUSES = ("open", "with_ai", "waiting_human", "with_human", "resolved")
"""Every status a conversation has: ``open`` when it is created, then whatever ``next_status`` makes of it."""

SHOWN_TYPES = frozenset(
    {
        "conversation.started",
        "message.received",
        "agent.turn_started",
        "agent.replied",
        "handoff.requested",
        "human.assigned",
        "human.replied",
        "conversation.handed_back",
        "conversation.resolved",
    }
)
"""The types that may change a conversation's status (``next_status``) or add a transcript line (``entry_for``);
every other event (a model call, a tool call, usage, ...) only moves its position, event count and update time."""


def next_status(status: str, event: Envelope) -> str:
    """Conversation state machine: open → with_ai → waiting_human → with_human → resolved; a new customer message
    after resolution reopens it with the AI."""
    match event.type:
        case "conversation.started":
            return "open"
        case "message.received":
            # A customer who writes after resolution reopens the conversation (with the AI, the front line).
            return status if status in ("waiting_human", "with_human") else "with_ai"
        case "agent.turn_started":
            return "with_ai"
        case "handoff.requested":
            return "waiting_human"
        case "human.assigned" | "human.replied":
            return "with_human"
        case "conversation.handed_back":
            return "with_ai"
        case "conversation.resolved":
            return "resolved"
        case _:
            return status


def rebuild_transcript(events: Iterable[RecordedEvent]) -> list[TranscriptEntry]:
    """The transcript from the log alone."""
    return [entry for entry in map(entry_for, events) if entry is not None]


async def start_conversation(
    log: EventLog, repo: ConversationRepository, tenant_id: str, channel: str, customer_id: str | None
) -> RecordedEvent:
    """Open a conversation, unless the tenant's plan refuses new ones; past a hard limit with the 'handoff'
    behaviour it opens already handed to a human, so the AI never answers it."""
    quota = await repo.quota_state(tenant_id)
    over_limit = bool(quota and quota.state == "over_hard_limit" and quota.month == datetime.now(UTC).strftime("%Y-%m"))
    if over_limit and quota and quota.behaviour == "refuse":
        raise QuotaRefused(quota.refusal_message or "This workspace has reached its plan's conversation limit.")
    conversation_id = new_id("conv")
    actor = Actor(kind="customer", id=customer_id or "anonymous")
    event = Envelope.new(
        ConversationStarted(channel=channel, customer_id=customer_id),
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        actor=actor,
    )
    events = [event]
    if over_limit:
        events.append(
            Envelope.new(
                HandoffRequested(
                    turn_id="none",
                    reason="plan hard limit reached",
                    summary="The workspace is past its plan's limit; a person answers new conversations.",
                    priority="normal",
                ),
                tenant_id=tenant_id,
                conversation_id=conversation_id,
                actor=SYSTEM,
                caused_by=event,
            )
        )
    positions = await log.append(tenant_id, conversation_id, events, expected_version=0)
    await project_batch(repo, [RecordedEvent(p, appended) for p, appended in zip(positions, events, strict=True)])
    return RecordedEvent(positions[0], event)


async def record_quota_state(repo: ConversationRepository, recorded: RecordedEvent) -> None:
    payload = recorded.event.payload
    assert isinstance(payload, PlanQuotaStateChanged)
    await repo.record_quota_state(
        recorded.event.tenant_id,
        recorded.position,
        month=payload.month,
        state=payload.state,
        behaviour=payload.behaviour,
        refusal_message=payload.refusal_message,
    )


async def receive_message(
    log: EventLog,
    repo: ConversationRepository,
    tenant_id: str,
    conversation_id: str,
    text: str,
    max_chars: int,
    idempotency_key: str | None = None,
    *,
    alone: bool = False,
    projected: ProjectedInRequest | None = None,
) -> RecordedEvent:
    """Accept a customer message. With an ``idempotency_key`` a retry returns the original message: concurrent
    retries collapse into one event by its deterministic id (server-side dedup), later ones are found on the log.
    ``alone``: the caller's unit of work writes nothing else, so a failed projection may roll all of it back
    instead of a savepoint (two round trips fewer); and ``projected`` learns whether its commit projected the
    message, so that the projection consumer does not project it a second time. The request projects all of the
    message only if it lands right after the view's position; behind the log, only its line (``_project_accepted``)."""
    # Locked now: one conversation's messages are appended and projected one after the other.
    conversation = await repo.get(tenant_id, conversation_id, for_update=True)
    if conversation is None:
        raise ConversationNotFound(conversation_id)
    if len(text) > max_chars:
        raise MessageTooLarge(f"a message may have at most {max_chars} characters; this one has {len(text)}")
    event_id, message_id = None, new_id("msg")
    if idempotency_key is not None:
        for earlier in await log.read_type(tenant_id, conversation_id, "message.received"):
            payload = earlier.event.payload
            if isinstance(payload, MessageReceived) and payload.idempotency_key == idempotency_key:
                return earlier
        keyed = uuid.uuid5(_KEYED_MESSAGES, f"{tenant_id}:{conversation_id}:{idempotency_key}")
        event_id, message_id = str(keyed), f"msg_{keyed.hex}"
    event = Envelope.new(
        MessageReceived(
            message_id=message_id, text=text, channel=conversation.channel, idempotency_key=idempotency_key
        ),
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        actor=Actor(kind="customer", id=conversation.customer_id or "anonymous"),
        event_id=event_id,
    )
    if alone and projected is not None:  # before the append: this process's consumer may see the message first
        projected.watch(repo.session, event.id)
    # A customer message needs no decision, so it is appended whatever came before it (the agent orders it). Right
    # after the view's position (the row is locked: nobody else moves it) only if the view has caught up with the log.
    position = await log.append_next(tenant_id, conversation_id, event, conversation.last_position)
    caught_up = position is not None
    if position is None:
        (position,) = await log.append(tenant_id, conversation_id, [event], expected_version=None)
    recorded = RecordedEvent(position, event)
    await _project_accepted(repo, recorded, alone, projected, fully=caught_up)
    return recorded


async def _project_accepted(
    repo: ConversationRepository,
    recorded: RecordedEvent,
    alone: bool,
    projected: ProjectedInRequest | None,
    *,
    fully: bool,
) -> None:
    """The accepted message into the read model, in the request's transaction (see ``receive_message``): all of it
    if ``fully`` (the view had caught up with the log), else only its transcript line, so that it
    shows at once while the consumer, still behind, projects the events before it and then the message's status and
    position in log order (moving the row's position to the message would make the events before it late, their
    status changes lost)."""
    event = recorded.event
    # The append and the answer are one unit: once the message is on the log the request has succeeded, and a
    # failed projection must not turn into a 5xx (a client would retry and post it twice); the projection consumer
    # brings the view in step from the log.
    try:
        if alone:
            await _project_in_request(repo, recorded, fully=fully)
        else:
            async with repo.session.begin_nested():
                await _project_in_request(repo, recorded, fully=fully)
    except SQLAlchemyError:
        log_.warning("message %s appended; its projection is left to the consumer", event.id, exc_info=True)
        if alone:
            await repo.session.rollback()
        fully = False
    if projected is not None and not fully:  # the consumer projects it (status and position: all of it if failed)
        projected.settle(event.id, projected=False)


async def _project_in_request(repo: ConversationRepository, recorded: RecordedEvent, *, fully: bool) -> None:
    if fully:
        await project(repo, recorded)
    else:  # keyed by position: the consumer's insert of the same line keeps this one
        assert recorded.event.conversation_id is not None
        await repo.add_late_entries(
            recorded.event.tenant_id, recorded.event.conversation_id, rebuild_transcript([recorded])
        )


class ProjectionStore(Protocol):
    """Where ``project`` keeps the read model: the repository live, memory in a rebuild (``rebuild.py``)."""

    async def get(
        self, tenant_id: str, conversation_id: str, *, for_update: bool = False
    ) -> ConversationRow | None: ...
    async def create(
        self, tenant_id: str, conversation_id: str, channel: str, customer_id: str | None, at: datetime
    ) -> None: ...
    async def apply(
        self, tenant_id: str, conversation_id: str, advance: Advance, entries: Sequence[TranscriptEntry]
    ) -> bool: ...
    async def add_late_entries(
        self, tenant_id: str, conversation_id: str, entries: Sequence[TranscriptEntry]
    ) -> None: ...


def advance_for(events: Sequence[RecordedEvent]) -> Advance:
    """What a run of one conversation's events (in log order, each once) does to its row, whatever status the row
    has: the fold needs no read of the row, so that the store can apply it in one statement."""
    statuses = {}
    for before in STATUSES:
        status = before
        for recorded in events:
            status = next_status(status, recorded.event)
        statuses[before] = status
    at = max(recorded.event.occurred_at for recorded in events)
    return Advance(events[0].position, events[-1].position, statuses, at, len(events))


async def project(repo: ProjectionStore, recorded: RecordedEvent) -> None:
    """Apply one logged event to the read model; replays and redeliveries are no-ops."""
    await project_batch(repo, [recorded])


async def project_batch(repo: ProjectionStore, batch: Sequence[RecordedEvent]) -> None:
    """Apply logged events to the read model, one conversation at a time; replays and redeliveries are no-ops.

    Transcript lines are keyed by position, so a late or redelivered event's line is inserted at most once and in its
    place; a conversation's state only moves forward. When none of a conversation's events was projected yet (the
    usual case) its lines and its new state go in one statement, without reading the row; otherwise (a redelivery, a
    customer message the request projected) the row is read and locked, then the lines added and the events after
    its position applied."""
    by_conversation: dict[tuple[str, str], dict[int, RecordedEvent]] = {}
    for recorded in batch:
        assert recorded.event.conversation_id is not None
        key = (recorded.event.tenant_id, recorded.event.conversation_id)
        by_conversation.setdefault(key, {})[recorded.position] = recorded
    for (tenant_id, conversation_id), by_position in by_conversation.items():
        await _project_run(repo, tenant_id, conversation_id, [by_position[p] for p in sorted(by_position)])


async def _project_run(
    repo: ProjectionStore, tenant_id: str, conversation_id: str, events: list[RecordedEvent]
) -> None:
    """One conversation's events of a batch, in log order, each once."""
    for recorded in events:
        payload = recorded.event.payload
        if isinstance(payload, ConversationStarted):
            at = recorded.event.occurred_at
            await repo.create(tenant_id, conversation_id, payload.channel, payload.customer_id, at)
    entries = rebuild_transcript(events)
    if await repo.apply(tenant_id, conversation_id, advance_for(events), entries):
        return
    if len(events) > 1:  # some were projected already: the others may not be
        row = await repo.get(tenant_id, conversation_id, for_update=True)
        newer = [recorded for recorded in events if row is not None and recorded.position > row.last_position]
        if newer:
            await repo.apply(tenant_id, conversation_id, advance_for(newer), entries)
            return
    if entries:
        await repo.add_late_entries(tenant_id, conversation_id, entries)


@dataclass(frozen=True)
class ReplayReport:
    conversation_id: str
    events: int
    version: int
    transcript: list[TranscriptEntry]
    stored_entries: int
    matches: bool
    differences: list[str]


async def replay(log: EventLog, repo: ConversationRepository, tenant_id: str, conversation_id: str) -> ReplayReport:
    """Rebuild the transcript from the log alone and compare it with the stored view."""
    if await repo.get(tenant_id, conversation_id) is None:
        raise ConversationNotFound(conversation_id)
    events = await log.read(tenant_id, conversation_id)
    rebuilt = rebuild_transcript(events)
    stored = await repo.transcript(tenant_id, conversation_id)
    differences: list[str] = []
    for i in range(max(len(rebuilt), len(stored))):
        left = rebuilt[i] if i < len(rebuilt) else None
        right = stored[i] if i < len(stored) else None
        if left is None or right is None:
            differences.append(f"entry {i}: only in the {'stored view' if left is None else 'log'}")
        elif (left.position, left.event_id, left.role, left.text) != (
            right.position,
            right.event_id,
            right.role,
            right.text,
        ):
            differences.append(f"entry {i} (position {left.position}): log and stored view differ")
    return ReplayReport(
        conversation_id=conversation_id,
        events=len(events),
        version=events[-1].position if events else 0,
        transcript=rebuilt,
        stored_entries=len(stored),
        matches=not differences,
        differences=differences,
    )


_RATINGS = uuid.UUID("3f0c2a5e-8b1d-4e6f-a2c7-9d4b1e8f6a30")


async def rate(
    log: EventLog, tenant_id: str, conversation_id: str, score: int, comment: str | None, customer: str
) -> RecordedEvent:
    """The customer's CSAT answer to the latest ``csat.requested``: once per ticket (a repeat is refused)."""
    requested = await log.read_type(tenant_id, conversation_id, "csat.requested")
    if not requested:
        raise NoRatingRequested("nobody asked for a rating in this conversation yet")
    latest = requested[-1].event.payload
    assert isinstance(latest, CsatRequested)
    for earlier in await log.read_type(tenant_id, conversation_id, "csat.recorded"):
        if isinstance(earlier.event.payload, CsatRecorded) and earlier.event.payload.ticket_id == latest.ticket_id:
            raise NoRatingRequested("this conversation was already rated")
    event = Envelope.new(
        CsatRecorded(ticket_id=latest.ticket_id, score=score, comment=comment),
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        actor=Actor(kind="customer", id=customer),
        caused_by=requested[-1].event,
        # One rating per ticket: concurrent submissions collapse into the first (server-side dedup).
        event_id=str(uuid.uuid5(_RATINGS, f"{tenant_id}:{conversation_id}:{latest.ticket_id}")),
    )
    (position,) = await log.append(tenant_id, conversation_id, [event], expected_version=None)
    return RecordedEvent(position, event)
