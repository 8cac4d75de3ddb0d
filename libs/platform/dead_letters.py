"""Dead letters an operator can see and re-drive: ``deskpilot dead-letters list|show|redrive``.

A parked message (``dp.dlq.<consumer>``, decision 0005) is a copy of an event that stays in the log at its
position. Re-driving it runs the consumer's own handler on that event once more, in the service that owns the
consumer (:class:`RedriveServer`, a core NATS request on ``dp.ops.redrive.<service>``, answered by one replica):
nothing is published again, so no other consumer sees the event twice. When the handler succeeds, a marker
``dp.dlq.<consumer>.redriven`` naming the letter is added (the stream denies deletes, and JetStream cannot lift
that from an existing stream), so a second redrive finds nothing to do; when it fails again the letter stays, with
the error returned. Letters are re-driven in log order, so a conversation's events are applied in their original
order.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as NatsSubscription
from nats.js import JetStreamContext

from libs.events import EventLog, RecordedEvent, decode
from libs.events.streams import DEAD_LETTER_STREAM, EVENTS_STREAM
from libs.events.subjects import (
    CONVERSATION_PREFIX,
    DLQ_PREFIX,
    TENANT_PREFIX,
    dead_letter_subject,
    redrive_subject,
)
from libs.platform.consumers import Subscription
from libs.platform.row_security import tenant_scope
from libs.platform.stream_reads import read_stream

log = logging.getLogger("deskpilot.dead_letters")

REDRIVE_TIMEOUT_S = 60.0
REDRIVEN = "redriven"  # the last token of a marker's subject
REDRIVEN_ID = "Dp-Redriven-Id"


@dataclass(frozen=True)
class DeadLetter:
    id: int  # its sequence in DP_DEAD_LETTERS
    consumer: str  # the durable consumer that parked it, `<service>-<name>`
    reason: str
    original_subject: str
    position: int  # of the event in the log
    deliveries: int
    event_type: str
    event_id: str
    tenant_id: str
    conversation_id: str | None

    @property
    def service(self) -> str:
        return self.consumer.split("-", 1)[0]

    def line(self) -> str:
        where = f"conversation {self.conversation_id}" if self.conversation_id else f"tenant {self.tenant_id}"
        return (
            f"{self.id}  {self.consumer}  {self.event_type or '?'} {self.event_id or '?'} at {self.position} "
            f"({where}): {self.reason}"
        )


def _letter(seq: int, subject: str, headers: dict[str, str], body: bytes) -> DeadLetter:
    try:
        envelope: dict[str, Any] = json.loads(body)
    except ValueError:
        envelope = {}
    if not isinstance(envelope, dict):
        envelope = {}
    # A body too broken to say whose it is: its subject does (`dp.conv.<tenant>.<conversation>.…`, `dp.tenant.<t>.…`).
    where = headers.get("Dp-Original-Subject", "").split(".")
    if len(where) > 3 and where[:2] in (CONVERSATION_PREFIX.split("."), TENANT_PREFIX.split(".")):
        envelope.setdefault("tenant_id", where[2])
        if where[:2] == CONVERSATION_PREFIX.split("."):
            envelope.setdefault("conversation_id", where[3])
    return DeadLetter(
        id=seq,
        consumer=subject.removeprefix(f"{DLQ_PREFIX}."),
        reason=headers.get("Dp-Reason", ""),
        original_subject=headers.get("Dp-Original-Subject", ""),
        position=int(headers.get("Dp-Original-Position", "0") or 0),
        deliveries=int(headers.get("Dp-Deliveries", "0") or 0),
        event_type=str(envelope.get("type", "")),
        event_id=str(envelope.get("id", "")),
        tenant_id=str(envelope.get("tenant_id", "")),
        conversation_id=envelope.get("conversation_id"),
    )


async def _scan(nc: NATS) -> tuple[list[DeadLetter], set[int]]:
    """Every letter ever parked, oldest first, and the ids of those re-driven since, as the stream's leader has
    them: a follower's copy may lack the newest markers, and a letter re-driven already would run again."""
    found: list[DeadLetter] = []
    redriven: set[int] = set()
    for msg in await read_stream(nc, DEAD_LETTER_STREAM, from_leader=True):
        if msg.subject.endswith(f".{REDRIVEN}"):
            redriven.add(int(msg.headers.get(REDRIVEN_ID, "0")))
            continue
        found.append(_letter(msg.seq, msg.subject, msg.headers, msg.data))
    return found, redriven


async def dead_letters(nc: NATS, consumer: str | None = None, letter_id: int | None = None) -> list[DeadLetter]:
    """The parked messages not re-driven yet, oldest first; only ``consumer``'s, or only ``letter_id``, if given."""
    found, redriven = await _scan(nc)
    return [
        letter
        for letter in found
        if letter.id not in redriven and consumer in (None, letter.consumer) and letter_id in (None, letter.id)
    ]


async def letter(nc: NATS, letter_id: int) -> tuple[DeadLetter, bool] | None:
    """The letter ``letter_id`` and whether it was re-driven already; None if no letter has that id."""
    found, redriven = await _scan(nc)
    match = next((each for each in found if each.id == letter_id), None)
    return None if match is None else (match, match.id in redriven)


async def parked_counts(js: JetStreamContext) -> dict[str, int]:
    """How many letters each consumer has parked and not had re-driven, from the stream's subject counts (one
    request, however many letters): the figure of ``deskpilot_dead_letters_parked`` and ``projections rebuild``."""
    info = await js.stream_info(DEAD_LETTER_STREAM, subjects_filter=f"{DLQ_PREFIX}.>")
    subjects: dict[str, int] = dict(info.state.subjects or {})
    counts: dict[str, int] = {}
    for subject, count in subjects.items():
        consumer = subject.removeprefix(f"{DLQ_PREFIX}.")
        marker = consumer.endswith(f".{REDRIVEN}")  # one per letter re-driven
        consumer = consumer.removesuffix(f".{REDRIVEN}")
        counts[consumer] = counts.get(consumer, 0) + (-count if marker else count)
    return {consumer: count for consumer, count in sorted(counts.items()) if count > 0}


async def body_of(js: JetStreamContext, letter: DeadLetter) -> bytes:
    """The parked message as stored (personal fields sealed)."""
    return (await js.get_msg(DEAD_LETTER_STREAM, seq=letter.id)).data or b""


async def redrive(nc: NATS, letters: Sequence[DeadLetter]) -> list[tuple[DeadLetter, str | None]]:
    """Re-drive ``letters`` in log order; each with ``None`` if it was applied (and deleted), else the error."""
    js = nc.jetstream()
    results: list[tuple[DeadLetter, str | None]] = []
    for letter in sorted(letters, key=lambda d: (d.position, d.id)):
        request = json.dumps({"consumer": letter.consumer, "position": letter.position}).encode()
        try:
            reply = await nc.request(redrive_subject(letter.service), request, timeout=REDRIVE_TIMEOUT_S)
            answer = json.loads(reply.data)
        except Exception as exc:  # no replica of the service answering, or it timed out: try again later
            results.append((letter, f"{letter.service} did not answer: {exc!r}"))
            continue
        if not answer.get("ok"):
            results.append((letter, str(answer.get("error", "failed"))))
            continue
        marker = {"Nats-Msg-Id": f"{REDRIVEN}:{letter.id}", REDRIVEN_ID: str(letter.id)}
        subject = f"{dead_letter_subject(letter.consumer)}.{REDRIVEN}"
        await js.publish(subject, b"", stream=DEAD_LETTER_STREAM, headers=marker)
        results.append((letter, None))
    return results


class RedriveServer:
    """Answers a service's redrive requests: runs the named consumer's handler on the event at the position."""

    def __init__(
        self,
        service: str,
        nc: NATS,
        event_log: EventLog,
        subscriptions: Callable[[], tuple[Subscription, ...]],
    ) -> None:
        self._service = service
        self._nc = nc
        self._log = event_log
        self._subscriptions = subscriptions
        self._sub: NatsSubscription | None = None

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(redrive_subject(self._service), queue=self._service, cb=self._answer)

    async def stop(self) -> None:
        """Stop answering (the service's connection may live on, as a test's does)."""
        if self._sub is not None:
            await self._sub.unsubscribe()
            self._sub = None

    async def _answer(self, msg: Msg) -> None:
        try:
            await self.apply(**json.loads(msg.data))
            answer: dict[str, Any] = {"ok": True}
        except Exception as exc:
            log.warning("redrive request failed: %r", exc)
            answer = {"ok": False, "error": repr(exc)[:1000]}
        await msg.respond(json.dumps(answer).encode())

    async def apply(self, consumer: str, position: int) -> None:
        """The consumer's handler, once, on the event stored at ``position`` (read from the stream leader)."""
        sub = next((s for s in self._subscriptions() if f"{self._service}-{s.name}" == consumer), None)
        if sub is None:
            raise LookupError(f"{self._service} has no consumer {consumer}")
        stored = await self._log.jetstream.get_msg(EVENTS_STREAM, seq=position)
        event = await self._log.open(decode(stored.data or b""))
        with tenant_scope(event.tenant_id):
            await sub.handler(RecordedEvent(position, event))
        log.warning("consumer %s: re-drove %s %s at %d", consumer, event.type, event.id, position)
