"""The event-log client: append with optimistic concurrency and idempotency, ordered reads, dead letters.

A conversation's *version* is the stream position (JetStream sequence) of its last event, or 0 when it has none.
``append(..., expected_version=v)`` succeeds only if no event was added to the conversation since position ``v``:
the server checks ``Nats-Expected-Last-Subject-Sequence`` against every subject of the conversation at once
(``Nats-Expected-Last-Subject-Sequence-Subject`` with the conversation's wildcard). Each event id is sent as
``Nats-Msg-Id``, so a retried append returns the original positions instead of writing a second copy.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Protocol

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api
from nats.js.errors import APIError, NotFoundError
from opentelemetry import propagate

from libs.events.direct_reads import reads_on
from libs.events.envelope import Envelope, PoisonEvent, RecordedEvent, decode
from libs.events.sealing import Sealer
from libs.events.streams import ALL_STREAMS, DEAD_LETTER_STREAM, EVENTS_STREAM
from libs.events.subject_keys import SubjectKeys
from libs.events.subjects import CONVERSATION_PREFIX, conversation_filter, conversation_type_filter, dead_letter_subject

log = logging.getLogger(__name__)
WRONG_LAST_SEQUENCE = 10071
READ_BATCH = 256
CATCH_UP_ATTEMPTS = 6  # re-reads of a lagging replica (1, 2, 4 … 32 ms) before asking the stream leader
DIRECT_GET = f"$JS.API.DIRECT.GET.{EVENTS_STREAM}"


class VersionConflict(Exception):
    """The conversation moved on since ``expected``: someone else appended first. Re-read and decide again."""

    def __init__(self, tenant_id: str, conversation_id: str, expected: int) -> None:
        super().__init__(f"conversation {conversation_id} of tenant {tenant_id} is no longer at version {expected}")
        self.tenant_id = tenant_id
        self.conversation_id = conversation_id
        self.expected = expected


class ConversationEvents(Protocol):
    """What a decider needs of a log: ordered reads of one conversation and expected-version appends.

    :class:`EventLog` is the shared, durable one; :class:`~libs.events.memory_log.MemoryEventLog` keeps a sandbox's
    conversations (replays, simulations) in memory with the same semantics, so the same agent loop runs on both.
    """

    async def read(
        self, tenant_id: str, conversation_id: str, from_version: int = 0, *, through: int = 0
    ) -> list[RecordedEvent]: ...

    async def append_one(self, tenant_id: str, conversation_id: str, event: Envelope, expected: int | None) -> int: ...


def trace_headers() -> dict[str, str]:
    """The current OpenTelemetry context as W3C headers, to travel with a message."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


class EventLog:
    """Appends to and reads from the JetStream event log."""

    def __init__(self, nc: NATS, keys: SubjectKeys | None = None) -> None:
        self._nc = nc
        self._js: JetStreamContext = nc.jetstream()
        # Personal fields are sealed before anything is stored and opened after decoding (libs.events.sealing).
        self.sealer = Sealer(keys or SubjectKeys(self._js))
        self._reads = reads_on(nc)

    @property
    def jetstream(self) -> JetStreamContext:
        return self._js

    async def ensure_streams(self, replicas: int = 1, *, update: bool = True) -> None:
        """Create missing streams with ``replicas``; bring existing ones up to date, keeping their replica count.

        Changing replicas is an operator's decision (``nats stream edit``), never a side effect of a process
        that happens to start with a different setting. Only the operator may change a stream (decision 0044):
        a service (``update=False``) creates a missing one and leaves a stale one as it is, saying so.
        """
        for make in ALL_STREAMS:
            config = make(replicas)
            try:
                existing = await self._js.stream_info(config.name or "")
            except NotFoundError:
                await self._js.add_stream(config)
                continue
            config.num_replicas = existing.config.num_replicas
            # a 0 (duplicate window, max consumers) is the server's default, which it stores as its value
            wanted = {k: v for k, v in config.as_dict().items() if not (type(v) is int and v == 0)}
            if wanted == {k: v for k, v in existing.config.as_dict().items() if k in wanted}:
                continue
            if update:
                await self._js.update_stream(config)
            else:
                log.warning("stream %s differs from this version's: the operator updates it", config.name)

    async def available(self, timeout: float = 2.0) -> bool:
        """Whether JetStream answers for the event log now (a stream without a leader does not)."""
        try:
            await asyncio.wait_for(self._js.stream_info(EVENTS_STREAM), timeout)
        except Exception:
            return False
        return True

    async def append(
        self,
        tenant_id: str,
        conversation_id: str,
        events: Sequence[Envelope],
        expected_version: int | None,
    ) -> list[int]:
        """Append events to one conversation, in order; returns their positions.

        ``expected_version=None`` appends unconditionally (facts that need no decision, such as an incoming
        message); ``0`` requires an empty conversation. Raises :class:`VersionConflict` when the conversation has
        moved on. Retrying the same events is safe: already stored ones return their original position.
        A decider that appends several events and must survive writes of others in between uses
        :class:`~libs.events.conversation_log.ConversationLog`.
        """
        positions: list[int] = []
        expected = expected_version
        for event in events:
            position = await self.append_one(tenant_id, conversation_id, event, expected)
            positions.append(position)
            if expected is not None:
                expected = position
        return positions

    async def append_one(self, tenant_id: str, conversation_id: str, event: Envelope, expected: int | None) -> int:
        """Append one event, at ``expected`` (the conversation's last position) unless None; returns its position.

        A retry of an event already stored returns its position; if that position is not the conversation's last
        one any more, the next expected-version append will conflict and the caller reads what came after.
        """
        try:
            return int((await self._publish_to(tenant_id, conversation_id, event, expected)).seq)
        except APIError as exc:
            if exc.err_code != WRONG_LAST_SEQUENCE:
                raise
            # The server checks the expected sequence before deduplicating, so a retry of an append that already
            # landed looks like a conflict. It is one only if this event is not already in the log.
            stored = await self._position_of(tenant_id, conversation_id, event.id, after=expected or 0)
            if stored is None:
                raise VersionConflict(tenant_id, conversation_id, expected or 0) from exc
            return stored

    async def append_next(self, tenant_id: str, conversation_id: str, event: Envelope, after: int) -> int | None:
        """Append one event only if ``after`` is the conversation's last position: its position, or None if the
        conversation has moved on (nothing written) or the event is stored already (a retry).

        Unlike :meth:`append_one` this does not look for an earlier copy of ``event``: a position returned proves that
        no other event of the conversation lies between ``after`` and it. On None a caller that must append anyway
        appends without expectation (``Nats-Msg-Id`` deduplicates a retry within the window).
        """
        try:
            ack = await self._publish_to(tenant_id, conversation_id, event, after)
        except APIError as exc:
            if exc.err_code != WRONG_LAST_SEQUENCE:
                raise
            return None
        return None if ack.duplicate else int(ack.seq)

    async def _publish_to(
        self, tenant_id: str, conversation_id: str, event: Envelope, expected: int | None
    ) -> api.PubAck:
        if event.tenant_id != tenant_id or event.conversation_id != conversation_id:
            raise ValueError(f"event {event.id} does not belong to conversation {conversation_id}")
        headers = {"Nats-Msg-Id": event.id, "Dp-Type": event.type, **trace_headers()}
        body = (await self.sealer.seal(event)).encode()
        if expected is not None:
            headers["Nats-Expected-Last-Subject-Sequence"] = str(expected)
            headers["Nats-Expected-Last-Subject-Sequence-Subject"] = conversation_filter(tenant_id, conversation_id)
        return await self._js.publish(event.subject, body, stream=EVENTS_STREAM, headers=headers)

    async def _position_of(self, tenant_id: str, conversation_id: str, event_id: str, after: int) -> int | None:
        for recorded in await self.read(tenant_id, conversation_id, from_version=after):
            if recorded.event.id == event_id:
                return recorded.position
        return None

    async def publish(self, event: Envelope) -> int:
        """Append one event without a concurrency expectation (idempotent on its id); returns its position."""
        headers = {"Nats-Msg-Id": event.id, "Dp-Type": event.type, **trace_headers()}
        body = (await self.sealer.seal(event)).encode()
        ack = await self._js.publish(event.subject, body, stream=EVENTS_STREAM, headers=headers)
        return ack.seq

    async def read(
        self, tenant_id: str, conversation_id: str, from_version: int = 0, *, through: int = 0
    ) -> list[RecordedEvent]:
        """Every event of the conversation after position ``from_version``, in order.

        ``through``: a position of this conversation the caller knows is stored (the event it is handling); the
        read includes it. Direct gets may be answered by any replica of the stream, and a replica that has not
        applied the newest writes yet answers with an older log: read again until the answer catches up, and ask
        the stream leader should it not.
        """
        subject = conversation_filter(tenant_id, conversation_id)
        raw = await self.read_raw(subject, from_version)
        for attempt in range(CATCH_UP_ATTEMPTS):
            if (raw[-1][0] if raw else from_version) >= through:
                break
            await asyncio.sleep(0.001 * 2**attempt)
            raw += await self.read_raw(subject, raw[-1][0] if raw else from_version)
        else:
            raw += await self._read_from_leader(subject, raw[-1][0] if raw else from_version, through)
        return await self.opened(raw)

    async def opened(self, raw: list[tuple[int, bytes]]) -> list[RecordedEvent]:
        """Stored ``(position, body)`` pairs decoded, their personal fields opened."""
        return [RecordedEvent(pos, await self.sealer.open(decode(data))) for pos, data in raw]

    async def history(
        self, tenant_id: str | None = None, *, opened: bool, after: int = 0
    ) -> tuple[list[RecordedEvent], int]:
        """Every conversation event of the log (one tenant's, or all) after position ``after``, in log order, for a
        rebuild: the decodable ones (their personal fields opened if ``opened``) and how many were not (the live
        consumers park those)."""
        subject = f"{CONVERSATION_PREFIX}.{tenant_id}.>" if tenant_id else f"{CONVERSATION_PREFIX}.>"
        events: list[RecordedEvent] = []
        skipped = 0
        for position, raw in await self.read_raw(subject, after):
            try:
                event = decode(raw)
            except PoisonEvent:
                skipped += 1
                continue
            events.append(RecordedEvent(position, await self.open(event) if opened else event))
        return events, skipped

    async def open(self, event: Envelope) -> Envelope:
        """``event`` (decoded from the log) with its personal fields opened: ``[erased]`` where the key is gone."""
        return await self.sealer.open(event)

    async def _read_from_leader(self, subject_filter: str, after: int, through: int) -> list[tuple[int, bytes]]:
        """Messages after ``after`` up to ``through`` from the stream leader (one request each; only for catching
        up when replicas lag)."""
        out: list[tuple[int, bytes]] = []
        seq = after + 1
        while seq <= through:
            try:
                msg = await self._js.get_msg(EVENTS_STREAM, seq=seq, subject=subject_filter, next=True)
            except NotFoundError:
                break
            if msg.seq is None or msg.data is None:
                break
            out.append((msg.seq, msg.data))
            seq = msg.seq + 1
        return out

    async def contains(self, event: Envelope) -> bool:
        """Whether ``event`` (by id) is already in the log, on its own subject."""
        return any(json.loads(body).get("id") == event.id for _, body in await self.read_raw(event.subject))

    async def read_type(self, tenant_id: str, conversation_id: str, event_type: str) -> list[RecordedEvent]:
        """The events of one type in one conversation, in order."""
        subject = conversation_type_filter(tenant_id, conversation_id, event_type)
        return await self.opened(await self.read_raw(subject))

    async def read_raw(self, subject_filter: str, from_version: int = 0) -> list[tuple[int, bytes]]:
        """Raw ``(position, body)`` pairs of every message matching ``subject_filter`` after ``from_version``.

        Uses JetStream's batched direct get (``$JS.API.DIRECT.GET`` with ``next_by_subj`` and ``batch``, NATS
        2.11+): one request per ``READ_BATCH`` messages and no consumer to create and delete, which measured
        several times faster than an ephemeral consumer for the short incremental reads the agent makes; every
        read's answers come on one subscription (``libs.events.direct_reads``).
        """
        return await self._reads.read(DIRECT_GET, subject_filter, from_version, READ_BATCH)

    async def dead_letter(self, consumer: str, msg: Msg, reason: str) -> None:
        """Park a message a consumer cannot process, with the reason, for inspection and re-drive."""
        meta = msg.metadata
        headers = {
            "Nats-Msg-Id": f"{consumer}:{meta.stream}:{meta.sequence.stream}",
            "Dp-Original-Subject": msg.subject,
            "Dp-Original-Stream": meta.stream,
            "Dp-Original-Position": str(meta.sequence.stream),
            "Dp-Deliveries": str(meta.num_delivered),
            # a header value is one line; keep the reason readable and bounded
            "Dp-Reason": " ".join(reason.split())[:1000],
        }
        await self._js.publish(dead_letter_subject(consumer), msg.data, stream=DEAD_LETTER_STREAM, headers=headers)
