"""What the event log says after a load: was every message answered exactly once, was anything acknowledged lost,
did an event id appear twice, what went to dead letters, and how long replies stopped after a fault."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from nats.js.errors import NotFoundError

from libs.events import EventLog
from libs.events.streams import DEAD_LETTER_STREAM
from libs.events.subjects import DLQ_PREFIX, conversation_filter
from tests.faultkit.load import OUTCOMES, LoadReport


@dataclass
class Verdict:
    accepted: int = 0
    answered_once: int = 0
    unanswered: list[tuple[str, str]] = field(default_factory=list)  # (conversation, message event id)
    answered_twice: list[tuple[str, str]] = field(default_factory=list)
    lost: list[tuple[str, str]] = field(default_factory=list)  # accepted (202) but not in the log
    duplicate_ids: list[str] = field(default_factory=list)
    dead_letters: Counter[str] = field(default_factory=Counter)  # consumer -> count, for the tenant
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def clean(self) -> bool:
        return not (self.unanswered or self.answered_twice or self.lost or self.duplicate_ids or self.dead_letters)

    def summary(self) -> str:
        return (
            f"accepted {self.accepted}, answered exactly once {self.answered_once}, unanswered "
            f"{len(self.unanswered)} {self.unanswered[:5]}, answered twice {len(self.answered_twice)}, lost acked "
            f"{len(self.lost)}, duplicate event ids {len(self.duplicate_ids)}, dead letters {dict(self.dead_letters)}, "
            f"client errors {dict(self.errors)}"
        )


async def conversation_log(log: EventLog, tenant_id: str, conversation_id: str) -> list[dict[str, Any]]:
    """Every event of the conversation as stored (personal fields stay sealed: not needed here). Read until two
    reads agree, so that a replica still catching up cannot make a message look unanswered."""
    subject = conversation_filter(tenant_id, conversation_id)
    previous: list[tuple[int, bytes]] | None = None
    for _ in range(10):
        raw = await log.read_raw(subject)
        if previous is not None and len(raw) == len(previous):
            break
        previous = raw
        await asyncio.sleep(0.05)
    return [{**json.loads(body), "position": pos} for pos, body in raw]


def judge(events_by_conversation: dict[str, list[dict[str, Any]]], report: LoadReport) -> Verdict:
    verdict = Verdict(accepted=len(report.accepted), errors=Counter(report.errors))
    ids = Counter(e["id"] for events in events_by_conversation.values() for e in events)
    verdict.duplicate_ids = [i for i, n in ids.items() if n > 1]
    for cid, events in events_by_conversation.items():
        answers = _answers(events)
        for message in _typed(events, "message.received"):
            if answers[message["id"]] == 0:
                verdict.unanswered.append((cid, message["id"]))
            elif answers[message["id"]] > 1:
                verdict.answered_twice.append((cid, message["id"]))
            else:
                verdict.answered_once += 1
    stored = {(cid, e["id"]) for cid, events in events_by_conversation.items() for e in events}
    verdict.lost = [
        (s.conversation_id, s.event_id) for s in report.accepted if (s.conversation_id, s.event_id) not in stored
    ]
    return verdict


def _answers(events: list[dict[str, Any]]) -> Counter[str]:
    """Outcomes per customer message: through the turn it started (``agent.turn_started.trigger_event_id``), or,
    for a handoff by the turn sweep of a turn that never started, through the handoff's cause."""
    trigger_of = {
        e["payload"]["turn_id"]: e["payload"]["trigger_event_id"] for e in _typed(events, "agent.turn_started")
    }
    messages = {e["id"] for e in _typed(events, "message.received")}
    answers: Counter[str] = Counter()
    for e in events:
        if e["type"] not in OUTCOMES:
            continue
        message = trigger_of.get(e["payload"]["turn_id"])
        if message is None and e.get("causation_id") in messages:
            message = e["causation_id"]
        if message is not None:
            answers[message] += 1
    return answers


def _typed(events: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == event_type]


async def dead_letters(log: EventLog, tenant_id: str) -> Counter[str]:
    """The tenant's parked messages, by consumer."""
    js = log.jetstream
    info = await js.stream_info(DEAD_LETTER_STREAM)
    found: Counter[str] = Counter()
    if not info.state.messages:
        return found
    for seq in range(info.state.first_seq, info.state.last_seq + 1):
        try:
            msg = await js.get_msg(DEAD_LETTER_STREAM, seq=seq)
        except NotFoundError:
            continue
        try:
            body = json.loads(msg.data or b"{}")
        except ValueError:
            body = {}
        if body.get("tenant_id") == tenant_id:
            found[(msg.subject or "").removeprefix(f"{DLQ_PREFIX}.")] += 1
    return found


async def verdict_of(log: EventLog, tenant_id: str, report: LoadReport) -> Verdict:
    events = {cid: await conversation_log(log, tenant_id, cid) for cid in report.conversations}
    verdict = judge(events, report)
    verdict.dead_letters = await dead_letters(log, tenant_id)
    return verdict


def recovery_seconds(report: LoadReport, fault_at: float, lasting: float = 0.0) -> float:
    """From the fault to the end of the longest pause in replies that began while it lasted (``lasting`` seconds
    from ``fault_at``, plus one): when replies flowed again. 0 if they never paused."""
    times = sorted(s.answered_at for s in report.accepted if s.answered_at is not None)
    before = [t for t in times if t <= fault_at]
    after = [t for t in times if t > fault_at]
    if not after:
        return float("inf")
    points = [before[-1] if before else fault_at, *after]
    gaps = [(b - a, b) for a, b in itertools.pairwise(points) if a <= fault_at + lasting + 1.0]
    _, end = max(gaps) if gaps else (0.0, after[0])
    return max(0.0, end - fault_at)
