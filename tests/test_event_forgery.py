"""No service can put an event into the log through a request's reply subject (issue 17, decision 0051).

NATS does not check a request's reply subject against publish permissions, and JetStream publishes its answer, as
the server, on whatever subject the request names. On a server whose streams shared the services' account, an
answer sent to ``dp.tenant.<t>.api_key.revoked`` was stored in the log as that event. Each test here starts its own
server (``deskpilot up``'s configuration) so that the log holds only what the test put there.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NATS
from nats.js.api import AckPolicy, ConsumerConfig

from deskpilot import embedded
from deskpilot.cli import main
from deskpilot.embedded import EmbeddedNats, StreamsInBothAccounts
from deskpilot.nats_auth import GLOBAL_ACCOUNT, LOG_ACCOUNT
from deskpilot.nats_permissions import generated
from libs.events import EventLog, new_id
from libs.events.streams import EVENTS_STREAM, EXPORTS_BUCKET, EXPORTS_STREAM, KEYS_BUCKET, KEYS_STREAM
from libs.events.subjects import tenant_subject
from libs.platform import nats_auth
from libs.platform.nats_auth import ADMIN, CREDENTIALS_DIR

API = "$JS.API"


async def connect(server: EmbeddedNats, identity: str) -> NATS:
    options = nats_auth.connect_options(identity, {CREDENTIALS_DIR: str(server.credentials)})
    return await nats.connect(server.url, **options)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[EmbeddedNats]:
    embedded = EmbeddedNats(tmp_path, auth=True)
    embedded.start()
    try:
        yield embedded
    finally:
        embedded.stop()


def agent_durable() -> str:
    """One of the agent's durables: the agent may pull from it (and acknowledge), as it does in production."""
    prefix = f"{API}.CONSUMER.MSG.NEXT.{EVENTS_STREAM}."
    return next(s.removeprefix(prefix) for s in generated()["agent"].publish if s.startswith(prefix))


async def forge(agent: NATS, subject: str, body: bytes, target: str) -> None:
    """Send the request with the event subject as reply, then the same with the agent's own inbox and wait for
    that answer: JetStream answers one stream's (one consumer's) requests in order, so the first was answered too."""
    await agent.publish(subject, body, reply=target)
    await agent.request(subject, body, timeout=10)


async def test_no_service_can_forge_an_event_through_a_reply_subject(server: EmbeddedNats, tenant_id: str) -> None:
    admin, agent = await connect(server, ADMIN), await connect(server, "agent")
    try:
        log = EventLog(admin)
        await log.ensure_streams()
        js = admin.jetstream()
        target = tenant_subject(tenant_id, "api_key.revoked")  # ticketing's event: the agent may not publish it
        forged = json.dumps({"type": "api_key.revoked", "tenant_id": tenant_id}).encode()
        created = tenant_subject(tenant_id, "tenant.created")
        await js.publish(created, b"{}")  # one event for the agent's consumer below
        before = (await js.stream_info(EVENTS_STREAM)).state.messages

        async with asyncio.timeout(60):
            await forge_by_pulling(admin, agent, created, target)
            await forge_by_requests(agent, tenant_id, forged, target)
            await forge_by_pushing(admin, agent, forged, target)

        # a last event through the same path as the services' (the log's own order): anything forged is before it
        sentinel_subject = tenant_subject(tenant_id, "tenant.renamed")
        await js.publish(sentinel_subject, b"{}")
        last = (await js.stream_info(EVENTS_STREAM)).state.last_seq
        stored = [str((await js.get_msg(EVENTS_STREAM, seq)).subject) for seq in range(before + 1, last + 1)]
        stored.remove(sentinel_subject)
        assert stored == [], f"the log stored {len(stored)} forged message(s) on {sorted(set(stored))}"
    finally:
        await agent.close()
        await admin.close()


async def forge_by_pulling(admin: NATS, agent: NATS, created: str, target: str) -> None:
    """(b) the next message of a consumer the agent may pull from, delivered to the event subject. First: the
    delivery is asynchronous, and the other attempts' round trips give it time to reach a stream."""
    js, durable = admin.jetstream(), agent_durable()
    config = ConsumerConfig(durable_name=durable, ack_policy=AckPolicy.EXPLICIT, filter_subject=created)
    await js.add_consumer(EVENTS_STREAM, config)
    await agent.publish(f"{API}.CONSUMER.MSG.NEXT.{EVENTS_STREAM}.{durable}", b'{"batch":1,"no_wait":true}', target)
    while not (await js.consumer_info(EVENTS_STREAM, durable)).num_ack_pending:
        await admin.flush()  # a round trip: asks again once the server has answered


async def forge_by_requests(agent: NATS, tenant_id: str, forged: bytes, target: str) -> None:
    key = f"$KV.{KEYS_BUCKET}.forged_{new_id('k')}"
    await agent.request(key, forged, timeout=10)  # the agent may write to the data-key bucket
    # (a) direct gets: of the forged value in the key bucket, its last message by stream get, batched from the log
    await forge(agent, f"{API}.DIRECT.GET.{KEYS_STREAM}.{key}", b"", target)
    await forge(agent, f"{API}.STREAM.MSG.GET.{KEYS_STREAM}", json.dumps({"last_by_subj": key}).encode(), target)
    batch = {"next_by_subj": f"dp.tenant.{tenant_id}.>", "seq": 1, "batch": 5}
    await forge(agent, f"{API}.DIRECT.GET.{EVENTS_STREAM}", json.dumps(batch).encode(), target)
    # (c) any JetStream API answer: stream info, account info; a publish acknowledgement (PubAck)
    await forge(agent, f"{API}.STREAM.INFO.{EVENTS_STREAM}", b"", target)
    await forge(agent, f"{API}.INFO", b"", target)
    await forge(agent, key, forged, target)


async def forge_by_pushing(admin: NATS, agent: NATS, forged: bytes, target: str) -> None:
    """(d) a push consumer, made by the agent on a stream it may make consumers on (the exports' object store),
    delivering to the event subject while a client listens there (as ticketing's live feed of a tenant does)."""
    listener = await admin.subscribe(target)
    chunk = f"$O.{EXPORTS_BUCKET}.C.{new_id('chunk')}"
    await agent.request(chunk, forged, timeout=10)  # the agent may write objects
    config = ConsumerConfig(
        name=new_id("push"), deliver_subject=target, filter_subject=chunk, ack_policy=AckPolicy.NONE
    )
    await agent.jetstream().add_consumer(EXPORTS_STREAM, config)
    if (await admin.jetstream().consumer_info(EXPORTS_STREAM, str(config.name))).push_bound:
        await listener.next_msg(timeout=10)  # it delivers where someone listens: at once
    await listener.unsubscribe()


async def pre_0051_store(data_dir: Path, tenant_id: str) -> Path:
    """A data dir whose streams JetStream kept for the one account ``$G`` (no accounts block, as before decision
    0051): 3 events, a durable, a key. Its ``jetstream`` directory."""
    old = EmbeddedNats(data_dir)
    old.start()
    try:
        nc = await nats.connect(old.url)
        await EventLog(nc).ensure_streams()
        js = nc.jetstream()
        for n in range(3):
            await js.publish(tenant_subject(tenant_id, "tenant.created"), json.dumps({"n": n}).encode())
        await js.add_consumer(EVENTS_STREAM, ConsumerConfig(durable_name="kept", ack_policy=AckPolicy.EXPLICIT))
        await (await js.key_value(KEYS_BUCKET)).put("kept", b"wrapped key")
        await nc.close()
    finally:
        old.stop()
    store = data_dir / "nats" / "store" / "jetstream"
    assert (store / GLOBAL_ACCOUNT / "streams" / EVENTS_STREAM).is_dir()
    return store


async def test_a_data_dir_from_before_the_accounts_keeps_its_streams(tmp_path: Path, tenant_id: str) -> None:
    """``deskpilot up`` on a data dir whose streams JetStream kept for the one account ``$G``: the server starts
    with the streams moved to ``LOG`` (events, a durable's position, the key bucket), and again after a restart."""
    store = await pre_0051_store(tmp_path, tenant_id)
    moved: list[bool] = []
    for _ in range(2):  # the move happens once; the second start finds it done
        server = EmbeddedNats(tmp_path, auth=True)
        server.start()
        moved.append(server.moved_streams)
        try:
            admin = await connect(server, ADMIN)
            js = admin.jetstream()
            assert (await js.stream_info(EVENTS_STREAM)).state.messages == 3
            assert (await js.consumer_info(EVENTS_STREAM, "kept")).num_pending == 3
            assert (await (await js.key_value(KEYS_BUCKET)).get("kept")).value == b"wrapped key"
            await admin.close()
        finally:
            server.stop()
        assert not (store / GLOBAL_ACCOUNT).exists()
        assert (store / LOG_ACCOUNT / "streams" / EVENTS_STREAM).is_dir()
    assert moved == [True, False]


async def test_an_empty_log_account_directory_does_not_hide_the_streams(tmp_path: Path, tenant_id: str) -> None:
    """``LOG`` exists but holds no file (every stream deleted, or made by hand): the streams of ``$G`` replace it,
    instead of staying unread beside it (``mv $G LOG`` would have put them inside it)."""
    store = await pre_0051_store(tmp_path, tenant_id)
    (store / LOG_ACCOUNT / "streams").mkdir(parents=True)
    server = EmbeddedNats(tmp_path, auth=True)
    server.start()
    try:
        admin = await connect(server, ADMIN)
        assert (await admin.jetstream().stream_info(EVENTS_STREAM)).state.messages == 3
        await admin.close()
    finally:
        server.stop()
    assert server.moved_streams
    assert not (store / GLOBAL_ACCOUNT).exists()


def listing(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


async def test_streams_in_both_accounts_are_refused_and_left_alone(
    tmp_path: Path, tenant_id: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What docker-compose did before its nats-streams step: the server restarted with the accounts and the old
    store unmoved, and the services made empty streams in ``LOG``. The move refuses (``deskpilot up`` and the
    compose step alike) and touches nothing: which store is the log is the operator's call."""
    store = await pre_0051_store(tmp_path, tenant_id)
    monkeypatch.setattr(embedded, "move_streams_to_log_account", lambda _store: False)
    unmoved = EmbeddedNats(tmp_path, auth=True)
    unmoved.start()
    try:
        admin = await connect(unmoved, ADMIN)
        await EventLog(admin).ensure_streams()  # as every service does on start
        assert (await admin.jetstream().stream_info(EVENTS_STREAM)).state.messages == 0
        await admin.close()
    finally:
        unmoved.stop()
    monkeypatch.undo()
    before = listing(store)
    server = EmbeddedNats(tmp_path, auth=True)
    with pytest.raises(StreamsInBothAccounts, match=r"docs/operations\.md"):
        server.start()
    assert server.proc is None
    assert main(["nats-move-streams", str(store.parent)]) == 1
    assert f"{store / GLOBAL_ACCOUNT} and {store / LOG_ACCOUNT}" in capsys.readouterr().err
    assert listing(store) == before
