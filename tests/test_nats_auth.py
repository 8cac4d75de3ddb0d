"""NATS authorization on the suite's real nats-server (which requires it, as ``deskpilot up``'s does): what an
analytics credential and a service's credential cannot do. What they can do is shown elsewhere: every service of
the suite runs with its own credential, and tests/libs/test_asyncapi.py reads a tenant's events with an analytics
credential through examples/analytics_consumer.py.

A refused publish or subscription is answered by the server at once with a permissions violation, which nats-py
hands to the connection's error callback: the tests wait for that answer, the connection stays up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js.api import StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

from deskpilot import cli
from deskpilot.embedded import EmbeddedNats
from deskpilot.nats_permissions import derive, generated, render
from deskpilot.tenants import create_tenant
from libs.events import EventLog, new_id
from libs.events.streams import EVENTS_STREAM, EXPORTS_BUCKET, EXPORTS_STREAM, KEYS_STREAM
from libs.events.subjects import conversation_subject, tenant_subject
from libs.platform import nats_auth
from libs.platform.nats_auth import CREDENTIALS_DIR
from tests.support import issue_analytics_credential


class Refusals:
    """A connection whose refused operations can be awaited."""

    def __init__(self) -> None:
        self.errors: asyncio.Queue[str] = asyncio.Queue()
        self.nc = NATS()

    async def on_error(self, exc: Exception) -> None:
        await self.errors.put(str(exc))

    async def refused(self, what: str) -> None:
        """The server's next answer is a permissions violation naming ``what`` (lower-cased by nats-py)."""
        error = await asyncio.wait_for(self.errors.get(), 30)
        assert "permissions violation" in error, error
        assert what.lower() in error, error

    async def request_refused(self, subject: str, body: bytes = b"") -> None:
        await self.nc.publish(subject, body, reply=self.nc.new_inbox())
        await self.refused(f'publish to "{subject}"')


async def analytics_connection(
    server: EmbeddedNats | None, tenant_id: str, workdir: Path
) -> tuple[Refusals, dict[str, str]]:
    credentials = await issue_analytics_credential(server, tenant_id, workdir)
    assert server is not None
    conn = Refusals()
    await conn.nc.connect(server.url, nkeys_seed_str=credentials["nkey_seed"], error_cb=conn.on_error)
    return conn, credentials


async def test_an_analytics_credential_reads_only_its_tenant_and_can_do_nothing_else(
    event_log: EventLog, nc: NATS, nats_server: EmbeddedNats | None, tmp_path: Path
) -> None:
    other, tenant = await create_tenant(event_log, "Other"), await create_tenant(event_log, "Analysed")
    conn, credentials = await analytics_connection(nats_server, tenant.tenant_id, tmp_path)
    try:
        delivered = await conn.nc.subscribe(credentials["deliver_subject"])
        first = await delivered.next_msg(timeout=30)
        assert json.loads(first.data)["tenant_id"] == tenant.tenant_id  # its tenant.created, not the other's
        assert first.subject == tenant_subject(tenant.tenant_id, "tenant.created")
        await reads_nothing_else(conn, other.tenant_id)
        await publishes_nothing(conn, tenant.tenant_id, credentials["consumer"])
    finally:
        await conn.nc.close()
        await nc.jetstream().delete_consumer(EVENTS_STREAM, credentials["consumer"])


async def reads_nothing_else(conn: Refusals, other: str) -> None:
    """No core subscription to another tenant's subjects, to everything, or to other clients' replies (JetStream
    deliveries to the services)."""
    for subject in (f"dp.tenant.{other}.>", "dp.>", "_INBOX.>", "dp.analytics.>"):
        await conn.nc.subscribe(subject)
        await conn.refused(f'subscription to "{subject}"')


async def publishes_nothing(conn: Refusals, tenant_id: str, consumer: str) -> None:
    """No event, not even its own tenant's; no JetStream API request (a request's reply subject is not checked by
    NATS: any request would let it have the server publish into the log), so no consumer made, read, pulled
    from, acknowledged or deleted — its own or a service's; no direct read of the stream."""
    subjects = [
        tenant_subject(tenant_id, "tenant.created"),
        f"$JS.API.CONSUMER.INFO.{EVENTS_STREAM}.{consumer}",
        f"$JS.API.CONSUMER.CREATE.{EVENTS_STREAM}.{consumer}.dp.*.{tenant_id}.>",
        f"$JS.API.CONSUMER.DELETE.{EVENTS_STREAM}.{consumer}",
        f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.billing-ledger",
        f"$JS.API.CONSUMER.DELETE.{EVENTS_STREAM}.billing-ledger",
        f"$JS.ACK.{EVENTS_STREAM}.billing-ledger.1.1.1.1.0",
        f"$JS.API.DIRECT.GET.{EVENTS_STREAM}",
        "$JS.API.INFO",
    ]
    for subject in subjects:
        await conn.request_refused(subject)


async def test_a_service_credential_publishes_only_its_own_events(
    nats_server: EmbeddedNats | None, tenant_id: str
) -> None:
    if nats_server is None:
        pytest.skip("NATS_URL names a server whose authorization this suite does not write")
    conn = Refusals()
    options = nats_auth.connect_options("agent", {CREDENTIALS_DIR: str(nats_server.credentials)})
    await conn.nc.connect(nats_server.url, error_cb=conn.on_error, **options)
    try:
        # ticketing's event, a tenant-wide one of ticketing's, the conversation service's message.received
        conversation = new_id("conv")
        for subject in (
            conversation_subject(tenant_id, conversation, "ticket.created"),
            tenant_subject(tenant_id, "api_key.revoked"),
            conversation_subject(tenant_id, conversation, "message.received"),
        ):
            await conn.nc.publish(subject, b"{}")
            await conn.refused(f'publish to "{subject}"')
        # another service's consumer, other clients' replies
        await conn.request_refused(f"$JS.API.CONSUMER.INFO.{EVENTS_STREAM}.billing-ledger")
        await conn.request_refused(f"$JS.API.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.billing-ledger")
        await conn.nc.subscribe("_INBOX.>")
        await conn.refused('subscription to "_INBOX.>"')
    finally:
        await conn.nc.close()


def test_the_generated_permissions_are_up_to_date() -> None:
    """deskpilot/nats_permissions.json is what the catalog and the services' subscriptions give today."""
    assert render(derive()) == render(generated()), "regenerate: .venv/bin/python -m deskpilot.nats_permissions"


async def test_a_service_cannot_read_another_services_replies(
    event_log: EventLog, nats_server: EmbeddedNats | None, caplog: pytest.LogCaptureFixture
) -> None:
    """Not by subscribing to its inbox, nor by making a stream capture it to read by direct get (tried before
    decision 0044: an update of the exports stream to ``_INBOX.billing.>`` showed billing's JetStream answers)."""
    if nats_server is None:
        pytest.skip("NATS_URL names a server whose authorization this suite does not write")
    conn = Refusals()
    options = nats_auth.connect_options("agent", {CREDENTIALS_DIR: str(nats_server.credentials)})
    await conn.nc.connect(nats_server.url, error_cb=conn.on_error, **options)
    try:
        for subject in ("_INBOX.billing.>", "_INBOX.*.>", "_INBOX.conversation.abc"):
            await conn.nc.subscribe(subject)
            await conn.refused(f'subscription to "{subject}"')
        for operation in ("UPDATE", "DELETE"):
            for stream in (EVENTS_STREAM, EXPORTS_STREAM, KEYS_STREAM):
                await conn.request_refused(f"$JS.API.STREAM.{operation}.{stream}")
        await conn.request_refused("$JS.API.STREAM.CREATE.CAPTURE")  # no stream of its own naming either
        capture = StreamConfig(name=EXPORTS_STREAM, subjects=[f"$O.{EXPORTS_BUCKET}.>", "_INBOX.billing.>"])
        with pytest.raises(BadRequestError):  # the stream exists (the operator made it): JetStream refuses
            await conn.nc.jetstream().add_stream(capture)
        info = await conn.nc.jetstream().stream_info(EXPORTS_STREAM)
        assert not [s for s in info.config.subjects or [] if s.startswith("_INBOX")]
        # the platform's streams as the operator made them: a service's start finds nothing to change
        with caplog.at_level(logging.WARNING, logger="libs.events.log"):
            await EventLog(conn.nc).ensure_streams(update=False)
        assert not caplog.records, [r.getMessage() for r in caplog.records]
        assert conn.errors.empty()
    finally:
        await conn.nc.close()


async def test_a_revoked_analytics_credential_is_refused_and_disconnected(
    event_log: EventLog, nc: NATS, nats_server: EmbeddedNats | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``deskpilot analytics-credentials revoke ID`` against ``deskpilot up``: the server closes the connection
    using it, refuses it from then on, and its consumer is gone; ``list`` shows it revoked."""
    tenant = await create_tenant(event_log, "Revoked")
    credentials = await issue_analytics_credential(nats_server, tenant.tenant_id, tmp_path)
    assert nats_server is not None
    closed = asyncio.Event()

    async def on_closed() -> None:
        closed.set()

    reader = await nats.connect(
        nats_server.url, nkeys_seed_str=credentials["nkey_seed"], allow_reconnect=False, closed_cb=on_closed
    )
    delivered = await reader.subscribe(credentials["deliver_subject"])
    assert json.loads((await delivered.next_msg(timeout=30)).data)["tenant_id"] == tenant.tenant_id
    revoke = ["analytics-credentials", "revoke", credentials["consumer"], "--data-dir", str(tmp_path)]
    assert await asyncio.to_thread(cli.main, revoke) == 0
    await asyncio.wait_for(closed.wait(), 30)  # the reload closed it
    with pytest.raises((nats.errors.Error, OSError)):
        await nats.connect(nats_server.url, nkeys_seed_str=credentials["nkey_seed"], allow_reconnect=False)
    with pytest.raises(NotFoundError):
        await nc.jetstream().consumer_info(EVENTS_STREAM, credentials["consumer"])
    capsys.readouterr()
    assert await asyncio.to_thread(cli.main, ["analytics-credentials", "list", "--data-dir", str(tmp_path)]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith(credentials["consumer"])]
    assert len(listed) == 1, listed
    assert "revoked" in listed[0], listed
    again = ["analytics-credentials", "revoke", "analytics_nonexistent", "--data-dir", str(tmp_path)]
    assert await asyncio.to_thread(cli.main, again) == 2
