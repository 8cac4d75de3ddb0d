"""Replaying recorded conversations against a candidate: the recorded world's events (customer messages, human
replies, hand-backs, resolutions) are fed in order to the candidate's agent in the sandbox, whose tool calls are
answered from the recording or the owning service's dry-run path, and the two sides' actions are diffed.

``replay`` is what the HTTP API's background jobs, ``deskpilot replay --against`` and the release gate call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from nats.aio.client import Client as NATS

from libs.events import EventLog, RecordedEvent
from services.agent.providers import HANDOFF_TOOL
from services.agent.replay.diff import ConversationDiff, diff_conversation
from services.agent.replay.recording import recorded
from services.agent.sandbox.actions import turns_of
from services.agent.sandbox.answers import AnswerChain, DryRunAnswers, RecordedAnswers, ToolAnswers
from services.agent.sandbox.candidate import PreparedCandidate
from services.agent.sandbox.run import RecordedApprovals, SandboxConversation

log = logging.getLogger("deskpilot.agent.replay")

# What the world did, as opposed to what the agent did: these are replayed; the agent's own events are redone.
WORLD = frozenset(
    {"conversation.started", "message.received", "human.replied", "conversation.handed_back", "conversation.resolved"}
)

Progress = Callable[[ConversationDiff], Awaitable[None]]


@dataclass(frozen=True)
class ReplayTarget:
    """Where recorded conversations come from, and who may answer the candidate's unrecorded tool calls."""

    log: EventLog
    tenant_id: str
    risks: dict[str, str]  # tool → risk class, over the tenant's catalog and the candidate's
    nc: NATS | None = None  # for the owning services' dry-run path; None: "unrecorded" instead


def risks_of(*catalogs: Sequence[object]) -> dict[str, str]:
    out = {HANDOFF_TOOL.name: "read"}
    for catalog in catalogs:
        for spec in catalog:
            out[getattr(spec, "name")] = getattr(spec, "risk")  # noqa: B009 - ToolSpecs of either side
    return out


async def replay_events(
    events: list[RecordedEvent], candidate: PreparedCandidate, target: ReplayTarget
) -> ConversationDiff:
    """One recorded conversation (its whole log) against ``candidate``."""
    first = events[0].event
    assert first.conversation_id is not None
    answerers: list[ToolAnswers] = [RecordedAnswers(events)]
    if target.nc is not None:
        answerers.append(DryRunAnswers(target.nc, first.tenant_id))
    sandbox = SandboxConversation(
        first.tenant_id,
        first.conversation_id,
        candidate.model,
        (candidate.tools, candidate.policy),
        AnswerChain(*answerers),
        RecordedApprovals(events),
        procedures=candidate.procedures,
        knowledge=candidate.knowledge,
    )
    started = time.perf_counter()
    for event in (r.event for r in events if r.event.type in WORLD):
        await sandbox.feed(event)
    elapsed = (time.perf_counter() - started) * 1000
    diff = diff_conversation(
        first.conversation_id,
        turns_of(events, target.risks),
        turns_of(sandbox.events, target.risks, sandbox.sources),
    )
    diff.candidate_elapsed_ms = round(elapsed, 3)
    return diff


async def replay_one(conversation_id: str, candidate: PreparedCandidate, target: ReplayTarget) -> ConversationDiff:
    """Read and replay one conversation; a failure is reported in the diff, never raised, so a batch goes on."""
    try:
        events = await recorded(target.log, target.tenant_id, conversation_id)
        return await replay_events(events, candidate, target)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.exception("replay of %s failed", conversation_id)
        return ConversationDiff(conversation_id=conversation_id, error=f"{type(exc).__name__}: {exc}"[:500])


async def replay(
    conversation_ids: Sequence[str],
    candidate: PreparedCandidate,
    target: ReplayTarget,
    progress: Progress | None = None,
    concurrency: int = 2,
) -> list[ConversationDiff]:
    """Every conversation against ``candidate``, ``concurrency`` at a time, results in the order of the ids;
    ``progress`` hears of each as it finishes."""
    gate = asyncio.Semaphore(concurrency)
    results: dict[str, ConversationDiff] = {}

    async def one(conversation_id: str) -> None:
        async with gate:
            diff = await replay_one(conversation_id, candidate, target)
        results[conversation_id] = diff
        if progress is not None:
            await progress(diff)

    async with asyncio.TaskGroup() as group:
        for conversation_id in conversation_ids:
            group.create_task(one(conversation_id))
    return [results[c] for c in conversation_ids]
