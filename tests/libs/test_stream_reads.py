"""A stream is read whole, in order, with subjects and headers: in batches when it allows direct gets, one message at
a time when it does not (made before it did) — never taken for empty, as ``deskpilot backup`` once took
DP_DEAD_LETTERS, whose direct gets nobody answered."""

from __future__ import annotations

from typing import Any

import pytest
from nats.aio.client import Client as NATS
from nats.js.api import StreamConfig
from nats.js.errors import APIError

from deskpilot import backup
from libs.events import EventLog, new_id
from libs.events.streams import DEAD_LETTER_STREAM
from libs.events.subjects import DLQ_PREFIX, dead_letter_subject
from libs.platform import stream_reads
from libs.platform.dead_letters import REDRIVEN, REDRIVEN_ID, dead_letters, letter
from libs.platform.operator import redrive_selected
from libs.platform.stream_reads import read_stream


async def test_a_stream_reads_the_same_with_and_without_direct_gets(
    nc: NATS, event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_reads, "BATCH", 2)  # several batches, the last one short
    js = nc.jetstream()
    name = new_id("reads").replace("_", "-")
    # under `$KV.`: the clients' account reaches the streams' account on exported subjects only (decision 0051)
    subject = f"$KV.{name}"
    config = StreamConfig(name=f"TEST_{name.upper().replace('-', '_')}", subjects=[f"{subject}.>"])
    await js.add_stream(config)
    try:
        assert await read_stream(nc, config.name or "") == []
        for i in range(6):
            await js.publish(f"{subject}.{i}", f"body {i}".encode(), headers={"Dp-Reason": f"reason {i}"})
        await js.delete_msg(config.name or "", 3)  # a gap, as a key-value bucket's erased key leaves
        kept = (1, 2, 4, 5, 6)
        wanted = [(seq, f"{subject}.{seq - 1}", f"reason {seq - 1}", f"body {seq - 1}".encode()) for seq in kept]

        def seen(read: list[stream_reads.StreamMessage]) -> list[tuple[int, str, str, bytes]]:
            return [(m.seq, m.subject, m.headers.get("Dp-Reason", ""), m.data) for m in read]

        assert seen(await read_stream(nc, config.name or "")) == wanted  # one by one
        with pytest.raises(APIError):  # a direct get nobody answers is an error, not an empty stream
            await stream_reads._batched(nc, config.name or "", timeout=5)

        config.allow_direct = True  # as the operator's `deskpilot up` brings a stream up to date
        await js.update_stream(config)
        assert seen(await read_stream(nc, config.name or "")) == wanted  # in batches of 2
    finally:
        await js.delete_stream(config.name or "")


async def test_a_backup_holds_every_dead_letter(nc: NATS, event_log: EventLog) -> None:
    js = nc.jetstream()
    await js.publish(f"{DLQ_PREFIX}.test-{new_id('backup').replace('_', '-')}", b"{}", stream=DEAD_LETTER_STREAM)
    info = await js.stream_info(DEAD_LETTER_STREAM)
    assert info.config.allow_direct  # read in batches
    read = await backup.read_stream(nc, DEAD_LETTER_STREAM)
    assert len(read) >= info.state.messages > 0  # letters parked meanwhile by other tests' consumers only add


def stale_replica(monkeypatch: pytest.MonkeyPatch, lag: int) -> None:
    """Batched direct gets answered by a follower that has yet to receive the stream's newest ``lag`` messages
    (any replica answers a direct get): a prefix of the leader's copy."""
    batched = stream_reads._batched

    async def behind(nc: NATS, stream: str, timeout: float) -> list[stream_reads.StreamMessage]:
        return (await batched(nc, stream, timeout))[:-lag]

    monkeypatch.setattr(stream_reads, "_batched", behind)


async def test_a_read_answered_by_a_lagging_replica_is_completed_from_the_leader(
    nc: NATS, event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    js = nc.jetstream()
    await js.publish(f"{DLQ_PREFIX}.test-{new_id('lag').replace('_', '-')}", b"{}", stream=DEAD_LETTER_STREAM)
    last = (await js.stream_info(DEAD_LETTER_STREAM)).state.last_seq
    stale_replica(monkeypatch, lag=1)
    assert (await read_stream(nc, DEAD_LETTER_STREAM))[-1].seq >= last  # not the follower's last


async def test_dead_letters_are_read_from_the_stream_leader(
    nc: NATS, event_log: EventLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A letter re-driven already, whose marker a follower has not received yet, is not re-driven again: listing
    and redrive read DP_DEAD_LETTERS from the leader, never with a direct get (which any replica answers)."""
    js = nc.jetstream()
    consumer = f"test-{new_id('leader').replace('_', '-')}"
    parked = await js.publish(dead_letter_subject(consumer), b"{}", stream=DEAD_LETTER_STREAM)
    marker = {REDRIVEN_ID: str(parked.seq)}
    await js.publish(f"{dead_letter_subject(consumer)}.{REDRIVEN}", b"", stream=DEAD_LETTER_STREAM, headers=marker)
    stale_replica(monkeypatch, lag=1)
    asked: list[str] = []
    publish = nc.publish

    async def spy(subject: str, *args: Any, **kwargs: Any) -> None:
        asked.append(subject)
        await publish(subject, *args, **kwargs)

    monkeypatch.setattr(nc, "publish", spy)
    assert await dead_letters(nc, consumer) == []
    assert (await redrive_selected(nc, consumer)).results == []
    found = await letter(nc, parked.seq)
    assert found is not None
    assert found[1], "re-driven already"
    assert f"$JS.API.STREAM.MSG.GET.{DEAD_LETTER_STREAM}" in asked
    assert not [subject for subject in asked if subject.startswith("$JS.API.DIRECT.GET.")]
