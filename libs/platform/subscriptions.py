"""What a service subscribes to: one durable consumer's name, subjects, handler and how it takes its events (run
by :class:`libs.platform.consumers.Consumers`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from libs.events import RecordedEvent

GATHER_S = 0.5
"""How long a gathering consumer holds what it fetched (``Subscription.gather_s``): a turn's events with a
zero-latency model come within ~0.05-0.3 s; far below the ack wait (6 s)."""

EventHandler = Callable[[RecordedEvent], Awaitable[None]]
BatchHandler = Callable[[list[RecordedEvent]], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    """One durable consumer of a service: its name, subject filter and handler.

    ``max_workers > 1`` handles messages concurrently (only for handlers that tolerate any order, such as the
    agent, which re-reads the log and relies on optimistic concurrency); ``1`` preserves log order.
    ``subject`` may name several filters separated by spaces (one consumer, still in log order).
    ``batch_handler`` (ordered consumers only) takes everything one fetch brought, in order, in one go (one
    transaction instead of one per event); should it fail, the batch is handled again event by event with
    ``handler``, so that a poison event is isolated and parked alone.
    ``does`` says in one line what the subscription does; docs/architecture.md shows it in the table of
    subscriptions generated from the code (``deskpilot/architecture_docs.py``), and a test fails when it is empty.
    ``reads_personal=False``: the handler reads no personal field (``libs.events.personal``), so it gets the events
    as stored, their sealed fields unopened: no key look-up, no decryption (billing's ledger reads none of them).
    ``on_start`` runs each time the consumer starts in this process (a standby taking over too), before its first
    fetch, until it succeeds: to rebuild what the handler keeps from its own events (decision 0058).
    ``gather_s`` (ordered consumers with a ``batch_handler``): what a fetch brought waits up to this long for more
    to join it, unless an event of a type in ``gather_until`` is among it, which is handled at once: events that
    come one at a time, as a turn's do, are then handled in one transaction instead of one each. The events held
    wait unacknowledged, so ``gather_s`` stays far below ``ack_wait_s``. A consumer that a turn does not wait for
    gathers with nothing in ``gather_until``: it *polls* (``polls``), asking the server for what came once per
    ``gather_s`` and handling it in one transaction; it holds no pull request open in between, so an event is not
    even delivered to it, nor wakes its process, while the agent starts the turn the event opened (decisions 0061,
    0062).
    """

    name: str
    subject: str
    handler: EventHandler
    max_workers: int = 1
    max_attempts: int = 5
    ack_wait_s: float = 6.0
    batch_size: int = 16
    batch_handler: BatchHandler | None = None
    does: str = ""
    reads_personal: bool = True
    on_start: Callable[[], Awaitable[None]] | None = None
    gather_s: float = 0.0
    gather_until: frozenset[str] = frozenset()

    @property
    def filters(self) -> list[str]:
        return self.subject.split()

    @property
    def polls(self) -> bool:
        """Whether the consumer asks for what came once per ``gather_s`` instead of keeping a pull request open: an
        ordered, gathering one that nothing ends the gathering of (decision 0062)."""
        return bool(
            self.gather_s and self.batch_handler is not None and not self.gather_until and self.max_workers == 1
        )

    def ends_gathering(self, subject: str) -> bool:
        """Whether an event on ``subject`` (``….<type>``) is to be handled at once, with what it joined."""
        return any(subject.endswith(f".{event_type}") for event_type in self.gather_until)
