"""A stream is read whole, in order, with subjects and headers: in batches when it allows direct gets, one message at
a time when it does not (made before it did) — never taken for empty, as ``deskpilot backup`` once took
DP_DEAD_LETTERS, whose direct gets nobody answered."""

from __future__ import annotations

import pytest
from nats.aio.client import Client as NATS
from nats.js.api import StreamConfig
from nats.js.errors import APIError

from deskpilot import backup
from libs.events import EventLog, new_id
from libs.events.streams import DEAD_LETTER_STREAM
from libs.events.subjects import DLQ_PREFIX
from libs.platform import stream_reads
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
