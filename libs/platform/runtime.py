"""What every service process is made of: PostgreSQL, NATS (event log and consumers), the outbox, the tenants.

A service's ``app.py`` builds one :class:`ServiceRuntime`, registers its subscriptions and HTTP handlers, and hands
the result to :func:`libs.platform.http.build_app`. Starting order: check the database (pgvector works on this CPU,
:mod:`libs.platform.selfcheck`) → migrate → connect NATS → ensure streams → start consumers → sweep the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from nats.aio.client import Client as NATS
from sqlalchemy import MetaData, Table
from sqlalchemy.ext.asyncio import AsyncConnection

from libs.events import EventLog, RecordedEvent
from libs.events.subjects import any_tenant
from libs.platform import metrics
from libs.platform.consumers import Consumers, Subscription
from libs.platform.db import Database, Migration
from libs.platform.dead_letters import RedriveServer, parked_counts
from libs.platform.faults import Outage
from libs.platform.idempotency import AnswerSeal, IdempotencyKeys, idempotency_table
from libs.platform.leases import ConsumerLeases
from libs.platform.nats_auth import CREDENTIALS_DIR, connect_options, nats_servers
from libs.platform.outbox import OutboxRelay, UnitOfWork, outbox_table
from libs.platform.privacy import PrivacyParticipant
from libs.platform.selfcheck import check_database
from libs.platform.settings import ServiceSettings
from libs.platform.tasks import stop_tasks
from libs.platform.tenancy import TenantDirectory, Tenanted, TenantHook, api_keys_table, tenants_table

log = logging.getLogger("deskpilot.runtime")


def create_all_migration(
    metadata: MetaData, version: int = 1, description: str = "initial tables", tables: Sequence[Table] | None = None
) -> Migration:
    """A migration that creates the tables of ``metadata`` that do not exist yet: all of them (a service's first
    schema version), or the ``tables`` a later version adds (already there when version 1 ran on a new database)."""

    async def apply(conn: AsyncConnection) -> None:
        await conn.run_sync(lambda sync: metadata.create_all(sync, tables=list(tables) if tables else None))

    return Migration(version, description, apply)


PLATFORM_MIGRATIONS_FROM = 1000
"""Version numbers the runtime uses for the tables every service has (a service's own count from 1)."""


def issued_keys_migration(metadata: MetaData, table: Table) -> Migration:
    """Every service's ``api_keys`` table, on a database whose service schema predates it (a new database gets it
    from the service's first migration, which creates every table of ``metadata``)."""
    return create_all_migration(metadata, PLATFORM_MIGRATIONS_FROM, "platform: issued API keys", tables=[table])


def platform_migrations(metadata: MetaData, api_keys: Table, idempotency_keys: Table) -> list[Migration]:
    """The tables every service has, on a database whose service schema predates them."""
    return [
        issued_keys_migration(metadata, api_keys),
        create_all_migration(metadata, PLATFORM_MIGRATIONS_FROM + 1, "platform: idempotency keys", [idempotency_keys]),
    ]


@dataclass(frozen=True)
class BackgroundTask:
    """A coroutine a service runs from start to stop, as a task named ``<service>-<name>``; ``does`` says what it
    does in one line (docs/architecture.md shows it, generated from the code)."""

    name: str
    run: Callable[[], Coroutine[Any, Any, None]]
    does: str


CallerLookup = Callable[[str], Awaitable[Tenanted | None]]
"""A service's own lookup of a Bearer key: who it is, or None (unknown key)."""


class ServiceRuntime:
    """The resources of one service process."""

    def __init__(
        self,
        name: str,
        settings: ServiceSettings,
        metadata: MetaData,
        migrations: Sequence[Migration],
        *,
        on_tenant_created: TenantHook | None = None,
        nats_identity: str | None = None,
    ) -> None:
        self.name, self.nats_identity = name, nats_identity or name  # whose NATS credential: its own by default
        self.settings = settings
        self.db = Database(settings.database_url, schema=name, owner_url=settings.database_owner_url)
        self.outbox = outbox_table(metadata)
        self.tenants_table = tenants_table(metadata)
        self.api_keys_table = api_keys_table(metadata)
        self.tenants = TenantDirectory(self.db.sessions, self.tenants_table, self.api_keys_table)
        seal = AnswerSeal(lambda: self.event_log.sealer.keys.master)  # the event log's master keys, read when needed
        self.idempotency = IdempotencyKeys(self.db.sessions, idempotency_table(metadata), seal)
        self.callers: CallerLookup | None = None
        """Who a key is, for routes that take ``caller`` (ticketing's human agents): the edge asks it."""
        self._migrations = [*migrations, *platform_migrations(metadata, self.api_keys_table, self.idempotency.table)]
        self._on_tenant_created = on_tenant_created
        # The event log has its own connection, so publishing never queues behind consumer traffic.
        self.nc = NATS()
        self.event_log = EventLog(self.nc)
        self.relay = OutboxRelay(self.db.sessions, self.outbox, self.event_log)
        self.outage = Outage()
        # Each ordered consumer runs in one replica at a time, the one holding its advisory lock (decision 0057).
        leases = ConsumerLeases(settings.database_url, name)
        self.consumers = Consumers(
            name, self.nc, self.event_log, self.outage, healthy=self._infrastructure_up, leases=leases
        )
        # `deskpilot dead-letters redrive` runs a consumer's handler again here, in the service that owns it.
        self.redrive = RedriveServer(name, self.nc, self.event_log, lambda: self.consumers.subscriptions)
        self._tasks: list[asyncio.Task[None]] = []
        self._background: list[BackgroundTask] = []
        self._closers: list[Callable[[], Coroutine[Any, Any, None]]] = []
        self.subscribe(
            Subscription(
                "tenants",
                any_tenant("tenant.created"),
                self._tenant_created,
                does="store the tenant and the digest of its API key, which authenticates its requests",
            )
        )
        # api_key.issued and api_key.revoked, in log order: a key is never revoked before it was issued
        self.subscribe(
            Subscription(
                "api-keys",
                any_tenant("api_key.*"),
                self._api_key_event,
                does="store or revoke the digest of a key issued for the tenant (API keys, human agents' sign-ins)",
            )
        )
        self._add_platform_background()
        self.privacy = PrivacyParticipant(self)
        for sub in self.privacy.subscriptions():
            self.subscribe(sub)

    def _add_platform_background(self) -> None:
        self.add_background("outbox", self.relay.run, does="publish outbox rows a crash or a NATS outage left unsent")
        self.add_background(
            "metrics",
            self._measure_forever,
            does="every 10 s, measure consumers' lag and parked letters, and the outbox backlog, for `/metrics`",
        )
        self.add_background(
            "idempotency-purge",
            self.idempotency.purge_forever,
            does="hourly, delete Idempotency-Keys older than 24 h with their stored answers",
        )

    def subscribe(self, sub: Subscription) -> None:
        self.consumers.add(sub)

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        """Every durable consumer of this service, in the order they were added (``tenants`` first)."""
        return self.consumers.subscriptions

    @property
    def on_tenant_created(self) -> TenantHook | None:
        """What the service does for a new tenant after storing it, if anything (in the same unit of work)."""
        return self._on_tenant_created

    def add_background(self, name: str, run: Callable[[], Coroutine[Any, Any, None]], does: str = "") -> None:
        """Run ``run()`` as a task named ``<service>-<name>`` from ``start()`` until ``stop()`` cancels it.

        The coroutine should loop forever and survive its own errors (as the outbox sweep does). ``does``: one
        line for docs/architecture.md; a test fails when it is empty.
        """
        self._background.append(BackgroundTask(name, run, does))

    @property
    def background_tasks(self) -> tuple[BackgroundTask, ...]:
        """The service's background tasks, in start order (the outbox sweep first)."""
        return tuple(self._background)

    def on_stop(self, close: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run ``close()`` when the service stops, after its consumers (e.g. to close an SDK's HTTP client)."""
        self._closers.append(close)

    def unit_of_work(self) -> contextlib.AbstractAsyncContextManager[UnitOfWork]:
        """A transaction whose emitted events are published after it commits (see ``libs.platform.outbox``)."""
        return self.relay.unit_of_work()

    async def _tenant_created(self, recorded: RecordedEvent) -> None:
        async with self.unit_of_work() as uow:
            is_new = await self.tenants.record(uow, recorded.event)
            if is_new and self._on_tenant_created is not None:
                await self._on_tenant_created(uow, recorded.event)

    async def _api_key_event(self, recorded: RecordedEvent) -> None:
        async with self.unit_of_work() as uow:
            await self.tenants.record_key(uow, recorded.event)

    async def _measure_forever(self, interval: float = 10.0) -> None:
        while True:
            try:
                await self.consumers.measure()
                parked = await parked_counts(self.nc.jetstream())
                for sub in self.subscriptions:
                    durable = self.consumers.durable(sub)
                    metrics.DEAD_LETTERS_PARKED.labels(self.name, durable).set(parked.get(durable, 0))
                metrics.OUTBOX_BACKLOG.labels(self.name).set(await self.relay.backlog())
            except Exception as exc:  # the infrastructure away: the figures wait for it
                log.debug("%s: could not measure (%r)", self.name, exc)
            await asyncio.sleep(interval)

    async def start(self) -> None:
        await check_database(self.settings.database_owner_url or self.settings.database_url)
        applied = await self.db.migrate(self._migrations)
        if applied:
            log.info("%s: applied migrations %s", self.name, applied)
        self.event_log.sealer.keys.master.current  # noqa: B018 - fail at start, loudly, without master keys
        await self.nc.connect(
            servers=nats_servers(self.settings.nats_url),
            connect_timeout=5,
            max_reconnect_attempts=-1,
            **connect_options(self.nats_identity),  # this service's own nkey and inbox (libs/platform/nats_auth.py)
        )
        # with credentials, a service may create a missing stream but not change one (decision 0044)
        await self.event_log.ensure_streams(self.settings.stream_replicas, update=not os.environ.get(CREDENTIALS_DIR))
        await self.consumers.start()
        await self.redrive.start()
        for task in self._background:
            self._tasks.append(asyncio.create_task(task.run(), name=f"{self.name}-{task.name}"))

    async def stop(self) -> None:
        await stop_tasks(self._tasks)
        self._tasks.clear()
        await self.consumers.stop()
        for close in self._closers:
            try:
                await close()
            except Exception:
                log.exception("%s: a resource did not close cleanly", self.name)
        # Not drain(): consumers are stopped and every publish was awaited, so nothing is in flight; drain() hung
        # for its full timeout on pull subscriptions whose fetch had been cancelled (seen: 15 s+ shutdowns).
        await self.nc.close()
        await self.db.close()

    async def _infrastructure_up(self) -> bool:
        return self.nc.is_connected and await self.event_log.available() and await self.db.ping()

    async def ready(self) -> bool:
        """Able to do its work now: connected to NATS and PostgreSQL, and not riding out an outage."""
        return not self.outage.active and await self._infrastructure_up()

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: object) -> AsyncIterator[None]:
        await self.start()
        try:
            yield
        finally:
            await self.stop()
