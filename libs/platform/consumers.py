"""Durable JetStream consumers for services, with dead-lettering instead of crashing or dropping.

Every subscription is a durable *pull* consumer (pull consumers scale out across replicas; push ones do not), with
explicit acknowledgement decided here, deliberately:

* a message that cannot be decoded (bad JSON, unknown type, invalid fields) is a *poison* message: it is parked on
  ``dp.dlq.<consumer>`` with the reason, then acknowledged — never redelivered, never silently dropped;
* a handler that fails because the infrastructure is away (``libs.platform.faults``: PostgreSQL restarting, JetStream
  without a leader, …) is retried in place for as long as it takes, with capped backoff; meanwhile the process
  takes no new messages, reports itself not ready, and the message is never dead-lettered;
* any other handler exception is retried in place with backoff (an ordered consumer never lets later events
  overtake a failing one); after ``max_attempts`` it is parked; success acknowledges.

The ack wait is short (``ack_wait_s``, seconds) and a message being handled is kept alive with in-progress
acknowledgements, however long its handler runs (a model call, a slow tool): so a message whose process was killed
mid-way is delivered again within seconds, not minutes. A redelivery is logged with its conversation. An ordered
consumer holding unacknowledged messages when it starts, or one it could not settle, is reset (decision 0054).

Handlers must be idempotent: redelivery after a crash is normal, and the event id is the idempotency key.
Why not FastStream's subscriber: decision 0004 (this loop measured 3x faster, ``benchmarks/consumer_loop.py``;
FastStream 0.7.8's consume task crashes on nats-py's occasional bare timeout of an idle fetch)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, NoServersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import ServiceUnavailableError
from opentelemetry import propagate, trace

from libs.events import Envelope, EventLog, PoisonEvent, RecordedEvent, decode
from libs.events.streams import EVENTS_STREAM
from libs.platform import metrics
from libs.platform.faults import Outage, is_transient
from libs.platform.leases import ConsumerLeases
from libs.platform.pulls import FreeSlots, StandingPull
from libs.platform.row_security import SYSTEM, tenant_scope
from libs.platform.subscriptions import Subscription
from libs.platform.tasks import stop_tasks, until_done

__all__ = ["Consumers", "Subscription"]  # Subscription lives in libs.platform.subscriptions

log = logging.getLogger("deskpilot.consumers")
tracer = trace.get_tracer("deskpilot.consumers")


def _process_span(msg: Msg, event: Envelope, durable: str) -> trace.Span:
    """A consumer span for one event, continuing the trace its publisher put in the message headers."""
    span = tracer.start_span(
        f"{event.type} process", context=propagate.extract(dict(msg.headers or {})), kind=trace.SpanKind.CONSUMER
    )
    if span.is_recording():
        span.set_attribute("messaging.system", "nats")
        span.set_attribute("messaging.operation.type", "process")
        span.set_attribute("messaging.destination.name", msg.subject)
        span.set_attribute("messaging.consumer.group.name", durable)
        span.set_attribute("deskpilot.tenant_id", event.tenant_id)
    return span


def retry_delay(attempt: int) -> float:
    """Backoff between attempts at a failing message: 0.5 s, 1 s, 2 s, … capped at 5 s."""
    return float(min(5.0, 0.5 * 2 ** max(0, attempt - 1)))


Probe = Callable[[], Awaitable[bool]]
FETCH_WAIT_S = 5.0
"""How long an idle consumer's pull request waits on the server for a message. A message that arrives is delivered
at once, whatever the wait; the wait only sets how often an idle consumer asks again (a request per consumer per
wait: at 1 s, the ~25 consumers of an idle platform made half its NATS traffic) and how long a pull request lost
with a NATS node lingers before the next one is made."""


class Consumers:
    """Runs a service's subscriptions as durable pull consumers named ``<service>-<name>``."""

    def __init__(
        self,
        service: str,
        nc: NATS,
        event_log: EventLog,
        outage: Outage | None = None,
        healthy: Probe | None = None,
        leases: ConsumerLeases | None = None,
    ) -> None:
        self._service = service
        self._nc = nc
        self._log = event_log
        self.outage = outage or Outage()
        # Asked before a failure counts against a message: with the infrastructure away it is not the message's.
        self._healthy = healthy
        self._subs: list[Subscription] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._pulls: list[JetStreamContext.PullSubscription] = []  # unsubscribed on stop
        self._standing: list[StandingPull] = []  # likewise
        self._inflight: set[asyncio.Task[bool]] = set()
        self._running = False
        self.leases = leases  # then an ordered consumer runs only while this replica holds its lock (decision 0057)

    def add(self, sub: Subscription) -> None:
        self._subs.append(sub)

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        return tuple(self._subs)

    def durable(self, sub: Subscription) -> str:
        return f"{self._service}-{sub.name}"

    async def start(self) -> None:
        self._running = True
        js = self._nc.jetstream()
        for sub in self._subs:
            config = ConsumerConfig(
                durable_name=self.durable(sub),
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=sub.ack_wait_s,
                max_deliver=-1,  # attempts are counted in process; after a crash the count starts again
                max_ack_pending=1000,
                filter_subject=sub.filters[0] if len(sub.filters) == 1 else None,
                filter_subjects=sub.filters if len(sub.filters) > 1 else None,
            )
            # Created, or brought up to date (an older release made the same consumer with another ack wait).
            await js.add_consumer(EVENTS_STREAM, config)
            psub = await js.pull_subscribe_bind(self.durable(sub), stream=EVENTS_STREAM)
            self._pulls.append(psub)
            loop = functools.partial(self._loop, psub, sub)
            if sub.max_workers == 1 and self.leases is not None:
                lease = self.leases.lease(self.durable(sub))
                self._tasks.append(asyncio.create_task(lease.hold(loop), name=self.durable(sub)))
            else:
                self._tasks.append(asyncio.create_task(loop(), name=self.durable(sub)))
        if self.leases is not None and self.leases.leases:
            self._tasks.append(asyncio.create_task(self.leases.run(), name=f"{self._service}-leases"))

    async def stop(self) -> None:
        self._running = False
        await stop_tasks(self._tasks)
        self._tasks.clear()
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=10)
        # Else each stop leaves an inbox subscription on a connection that lives on (a test's session connection),
        # where a pull request still open on the server delivers a message no one reads, held until its ack wait.
        for pull in self._pulls:
            with contextlib.suppress(ConnectionClosedError):
                await pull.unsubscribe()
        self._pulls.clear()
        for standing in self._standing:
            await standing.unsubscribe()
        self._standing.clear()

    async def measure(self) -> None:
        """Each durable's lag and unacknowledged messages from JetStream, also when nothing is being fetched (a
        consumer riding out an outage); a consumer that cannot be asked keeps its last figures."""
        js = self._nc.jetstream()
        for sub in self._subs:
            durable = self.durable(sub)
            try:
                info = await js.consumer_info(EVENTS_STREAM, durable, timeout=2)
            except Exception as exc:
                log.debug("consumer %s: no consumer info for its metrics (%r)", durable, exc)
                continue
            metrics.CONSUMER_LAG.labels(self._service, durable).set(info.num_pending or 0)
            metrics.CONSUMER_ACK_PENDING.labels(self._service, durable).set(info.num_ack_pending or 0)

    async def _loop(self, psub: object, sub: Subscription) -> None:
        assert isinstance(psub, JetStreamContext.PullSubscription)
        holding = metrics.CONSUMER_IN_FLIGHT.labels(self._service, self.durable(sub))
        slots, ordered = FreeSlots(sub.max_workers, holding), sub.max_workers == 1
        # Events are taken as they come: one pull request open at a time, not one per fetch.
        standing = StandingPull(self._nc, EVENTS_STREAM, self.durable(sub), sub.batch_size, FETCH_WAIT_S)
        self._standing.append(standing)
        try:
            if sub.on_start is not None:
                await until_done(sub.on_start, f"consumer {self.durable(sub)}: its start")
            if ordered:  # a killed process may have left messages unacknowledged
                standing = await self._rewind(standing, sub)
            while self._running:
                await self.outage.ride_out(self._infrastructure_up)  # take nothing new while the infrastructure is away
                # A concurrent consumer pulls only what there are workers for and starts it at once: replicas share
                # work by free capacity (the in-flight cap). An ordered one takes what is there, up to its batch.
                try:
                    # What a concurrent consumer's request may still deliver never exceeds its free workers.
                    msgs = await (
                        standing.poll(sub.batch_size, sub.gather_s)
                        if sub.polls
                        else standing.fetch(sub.batch_size if ordered else min(sub.batch_size, await slots.free()))
                    )
                except (TimeoutError, NatsTimeoutError):
                    continue
                except (ConnectionClosedError, NoServersError, ServiceUnavailableError) as exc:
                    log.warning("consumer %s: NATS unavailable (%r); retrying", self.durable(sub), exc)
                    await asyncio.sleep(1.0)
                    continue
                if msgs:  # what is left for this consumer after the fetch: from the last message's metadata
                    metrics.CONSUMER_LAG.labels(self._service, self.durable(sub)).set(msgs[-1].metadata.num_pending)
                if ordered:
                    if sub.gather_s and sub.batch_handler is not None and msgs and not sub.polls:
                        msgs = await standing.gather(msgs, sub.batch_size, sub.gather_s, sub.ends_gathering)
                    holding.set(len(msgs))
                    if unsettled := await self._handle_in_order(msgs, sub, standing):
                        standing = await self._rewind(standing, sub, unsettled)
                    holding.set(0)
                    continue
                for msg in msgs:
                    slots.take()
                    task = asyncio.create_task(self._handle(msg, sub))
                    self._inflight.add(task)
                    task.add_done_callback(self._inflight.discard)
                    task.add_done_callback(slots.give_back)
        finally:  # stopped (its lease lost, decision 0057): no pull request of this loop left open, none held
            holding.set(0)
            if standing in self._standing:
                self._standing.remove(standing)
            await standing.unsubscribe()

    async def _handle_in_order(self, msgs: list[Msg], sub: Subscription, standing: StandingPull) -> int:
        """``msgs`` handled and settled in log order (0), or the stream sequence of the first that could not be (NATS
        failed as it was acknowledged or parked), the ones after it not taken."""
        try:
            if sub.batch_handler is not None and len(msgs) > 1 and await self._handle_batch(msgs, sub):
                standing.settled = msgs[-1].metadata.sequence.stream
                return 0
        except Exception as exc:  # handled, but NATS failed while acknowledging it: all of it again
            log.warning("consumer %s: could not acknowledge a batch (%r)", self.durable(sub), exc)
            return int(msgs[0].metadata.sequence.stream)
        for msg in msgs:
            if not await self._handle(msg, sub):
                return int(msg.metadata.sequence.stream)
            standing.settled = msg.metadata.sequence.stream
        return 0

    async def _rewind(self, standing: StandingPull, sub: Subscription, unsettled: int = 0) -> StandingPull:
        """An ordered consumer holding unacknowledged messages is reset (``$JS.API.CONSUMER.RESET``, NATS 2.14+;
        decision 0054) to its ack floor when it starts (a killed process left them), to the one it could not settle
        when live: JetStream would redeliver them after their ack wait, after newer messages, in the order their
        waits ran out, not the log's. Returns the pull to fetch from: after a reset a new one (the old, strays)."""
        durable = self.durable(sub)
        while self._running:
            try:
                info = await self._nc.jetstream().consumer_info(EVENTS_STREAM, durable, timeout=2)
                break
            except Exception as exc:  # NATS away: nothing may be fetched before this is known
                log.warning("consumer %s: no consumer info before fetching (%r); retrying", durable, exc)
                await asyncio.sleep(1.0)
        else:
            return standing
        if not info.num_ack_pending:
            return standing
        try:
            body = json.dumps({"seq": unsettled}).encode() if unsettled else b""
            reply = await self._nc.request(f"$JS.API.CONSUMER.RESET.{EVENTS_STREAM}.{durable}", body, timeout=2)
            answer = json.loads(reply.data)
            if "error" in answer:
                raise RuntimeError(answer["error"])
        except Exception as exc:  # a server before 2.14, or permissions without it: redelivered first, at least
            log.error("consumer %s: no reset (%r); waiting out the ack wait instead", durable, exc)
            await asyncio.sleep(sub.ack_wait_s + 0.5)
            return standing
        upto = info.delivered.stream_seq if info.delivered else None
        log.info("consumer %s: unacknowledged up to %s; again from %s", durable, upto, answer["reset_seq"])
        await standing.unsubscribe()
        fresh = StandingPull(self._nc, EVENTS_STREAM, durable, sub.batch_size, FETCH_WAIT_S)
        fresh.settled = standing.settled  # what comes again up to there was handled: acknowledged, not handled
        self._standing = [fresh if s is standing else s for s in self._standing]
        return fresh

    async def _handle(self, msg: Msg, sub: Subscription) -> bool:
        """Handle and settle ``msg`` (acknowledged, parked or not); False if it could not be settled."""
        durable = self.durable(sub)
        alive = asyncio.create_task(self._keep_alive(msg, sub.ack_wait_s / 3))
        try:
            await self._process(msg, sub, durable)
            return True
        except Exception:
            # Only reachable if NATS itself failed while acking or parking: the message will be redelivered.
            log.exception("consumer %s: could not settle message %s", durable, msg.subject)
            return False
        finally:
            alive.cancel()

    async def _handle_batch(self, msgs: list[Msg], sub: Subscription) -> bool:
        """All of ``msgs`` through the batch handler and acknowledged; False (nothing acknowledged) if any could not
        be decoded or the handler failed: the caller then takes them one by one. Raises if acknowledging fails."""
        assert sub.batch_handler is not None
        try:
            decoded = [(m.metadata.sequence.stream, decode(m.data)) for m in msgs]
        except PoisonEvent:
            return False
        try:
            records = [RecordedEvent(position, await self._opened(event, sub)) for position, event in decoded]
        except Exception as exc:  # a key store away: the event-by-event path retries with the outage rules
            log.info("consumer %s: could not open a batch (%r); taking it event by event", self.durable(sub), exc)
            return False
        alive = [asyncio.create_task(self._keep_alive(m, sub.ack_wait_s / 3)) for m in msgs]
        # Each event's own trace gets its hop through this consumer, though one transaction handles them all.
        spans = [_process_span(m, event, self.durable(sub)) for m, (_, event) in zip(msgs, decoded, strict=True)]
        try:
            tenants = {r.event.tenant_id for r in records}
            # One transaction for events of several tenants is the system's work; of one tenant, that tenant's.
            with tenant_scope(tenants.pop() if len(tenants) == 1 else SYSTEM):
                await sub.batch_handler(records)
        except Exception as exc:
            log.info(
                "consumer %s: a batch of %d failed (%r); taking it event by event", self.durable(sub), len(msgs), exc
            )
            return False
        finally:
            for task in alive:
                task.cancel()
            for span in spans:
                span.end()
        self.outage.recovered()
        for msg in msgs:  # NATS failing here leaves the batch unsettled: the caller rewinds
            await msg.ack()
        metrics.CONSUMED.labels(self._service, self.durable(sub), "handled").inc(len(msgs))
        return True

    async def _opened(self, event: Envelope, sub: Subscription) -> Envelope:
        """``event`` as ``sub``'s handler takes it: its personal fields opened, unless it reads none."""
        return await self._log.open(event) if sub.reads_personal else event

    @staticmethod
    async def _keep_alive(msg: Msg, every: float) -> None:
        """In-progress acknowledgements while the handler runs, so a short ack wait never redelivers a live one."""
        while True:
            await asyncio.sleep(every)
            with contextlib.suppress(Exception):  # NATS away: the redelivery that may follow is harmless
                await msg.in_progress()

    async def _process(self, msg: Msg, sub: Subscription, durable: str) -> None:
        try:
            event = decode(msg.data)
        except PoisonEvent as exc:
            log.error("consumer %s: poison message on %s parked in dead letters: %s", durable, msg.subject, exc)
            await self._park(durable, msg, "poison", f"poison: {exc}")
            await msg.ack()
            return
        if msg.metadata.num_delivered > 1:
            metrics.REDELIVERIES.labels(self._service, durable).inc()
            log.warning(
                "consumer %s: redelivery %d of %s %s (conversation %s)",
                durable,
                msg.metadata.num_delivered,
                event.type,
                event.id,
                event.conversation_id,
            )
        with trace.use_span(_process_span(msg, event, durable), end_on_exit=True):
            handled = await self._attempt(
                msg, sub, durable, RecordedEvent(msg.metadata.sequence.stream, event), opened=False
            )
        await msg.ack()
        if handled:
            metrics.CONSUMED.labels(self._service, durable, "handled").inc()

    async def _park(self, durable: str, msg: Msg, reason: str, detail: str) -> None:
        """Park ``msg`` on ``dp.dlq.<durable>`` (its caller acknowledges it) and count it."""
        await self._log.dead_letter(durable, msg, detail)
        metrics.DEAD_LETTERS.labels(self._service, durable, reason).inc()
        metrics.DEAD_LETTERS_PARKED.labels(self._service, durable).inc()  # until measured from the stream again
        metrics.CONSUMED.labels(self._service, durable, "dead_lettered").inc()

    async def _attempt(
        self, msg: Msg, sub: Subscription, durable: str, recorded: RecordedEvent, *, opened: bool
    ) -> bool:
        """Open the event's personal fields and run the handler until it succeeds (True), the message proves poison,
        or it failed ``max_attempts`` times with the infrastructure up (parked: False); failures while the
        infrastructure is away do not count."""
        event = recorded.event
        failures = outage_attempts = 0
        while True:
            try:
                if not opened:
                    recorded = RecordedEvent(recorded.position, await self._opened(recorded.event, sub))
                    opened = True
                with tenant_scope(event.tenant_id):  # row-level security: the event's tenant's rows only
                    await sub.handler(recorded)
                self.outage.recovered()
                return True
            except PoisonEvent as exc:  # the handler found it can never be applied: no retries
                log.error("consumer %s: %s cannot be applied, parked in dead letters: %s", durable, event.id, exc)
                await self._park(durable, msg, "poison", f"poison: {exc}")
                return False
            except Exception as exc:
                if is_transient(exc) or not await self._infrastructure_up():
                    metrics.HANDLER_FAILURES.labels(self._service, durable, "transient").inc()
                    self.outage.failed(durable, exc)
                    outage_attempts += 1
                    await asyncio.sleep(retry_delay(outage_attempts))
                    continue
                failures += 1
                metrics.HANDLER_FAILURES.labels(self._service, durable, "error").inc()
                if failures >= sub.max_attempts:
                    log.exception(
                        "consumer %s: %s failed %d times; parked in dead letters", durable, event.id, failures
                    )
                    await self._park(durable, msg, "failed", f"failed {failures} times: {exc!r}")
                    return False
                log.warning("consumer %s: %s failed (attempt %d), retrying: %r", durable, event.id, failures, exc)
                await asyncio.sleep(retry_delay(failures))

    async def _infrastructure_up(self) -> bool:
        if self._healthy is None:
            return True
        try:
            return await self._healthy()
        except Exception:
            return False
