"""Rebuild throughput: how fast ``deskpilot projections rebuild`` turns the event log back into read models.

Against a real embedded nats-server (file storage) in a temporary directory, C conversations are appended, each
``conversation.started`` and then turns of seven events (``benchmarks/replay.py``'s turn: message, turn, model
call, tool request and result, model call, reply), personal fields sealed as live. Then, median of 3, in events/s:

* read: the whole ``dp.conv.>`` log from JetStream (batched direct get), decoded (the baseline of any rebuild);
* conversation views: read, open the sealed fields, and the conversation service's own ``project_batch`` into
  memory (``services/conversation/rebuild.py``), i.e. status and transcript of every conversation;
* billing ledger: read and ``booking.book`` every event into memory (``services/billing/rebuild.py``): ledger
  entries, turn usage, meters and monthly actives.

The comparison with the live tables (one ``SELECT`` per table) is not included: it is linear in rows, not events.

Run: ``.venv/bin/python benchmarks/rebuild.py [--conversations 1000] [--turns 3]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import nats
from replay import CUSTOMER, turn

from deskpilot.embedded import EmbeddedNats
from libs.events import Actor, ConversationStarted, Envelope, EventLog, EventPayload, decode, new_id
from libs.events.subjects import CONVERSATION_PREFIX
from services.billing.rebuild import rebuild_from_log
from services.conversation.rebuild import rebuild_views
from services.integrations.vault import new_master_key


async def fill(log: EventLog, tenant_id: str, conversations: int, turns: int) -> int:
    """Append the conversations, 16 at a time; returns the number of events."""
    written = 0

    async def one(n: int) -> int:
        cid = new_id("conv")
        payloads: list[tuple[EventPayload, Actor]] = [(ConversationStarted(), CUSTOMER)]
        for i in range(turns):
            payloads += turn(n * turns + i)
        events = [Envelope.new(p, tenant_id=tenant_id, conversation_id=cid, actor=a) for p, a in payloads]
        await log.append(tenant_id, cid, events, None)
        return len(events)

    for start in range(0, conversations, 16):
        written += sum(await asyncio.gather(*(one(n) for n in range(start, min(conversations, start + 16)))))
    return written


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def main(conversations: int, turns: int) -> None:
    os.environ.setdefault("DESKPILOT_VAULT_MASTER_KEYS", f"bench:{new_master_key()}")  # the log seals personal data
    with tempfile.TemporaryDirectory(prefix="deskpilot-bench-") as tmp:
        embedded = EmbeddedNats(Path(tmp))
        nc = await nats.connect(embedded.start())
        try:
            log = EventLog(nc)
            await log.ensure_streams()
            tenant_id = new_id("ten")
            started = time.perf_counter()
            written = await fill(log, tenant_id, conversations, turns)
            filled = time.perf_counter() - started

            async def read() -> None:
                raw = await log.read_raw(f"{CONVERSATION_PREFIX}.{tenant_id}.>")
                assert len([decode(body) for _, body in raw]) == written

            async def views() -> None:
                built, events = await rebuild_views(log, tenant_id)
                assert events == written
                assert len(built.conversations) == conversations

            async def ledger() -> None:
                _, events, _ = await rebuild_from_log(log, tenant_id)
                assert events == written

            rows = [
                ("read + decode (baseline)", await timed(read)),
                ("conversation views", await timed(views)),
                ("billing ledger", await timed(ledger)),
            ]
        finally:
            await nc.close()
            embedded.stop()
    print(
        f"rebuild benchmark — {os.cpu_count()} cores, {conversations:,} conversations x {turns} turns = "
        f"{written:,} events (appended in {filled:.1f} s), median of 3"
    )
    print(f"{'rebuild':<28}{'seconds':>9}{'events/s':>12}")
    for name, seconds in rows:
        print(f"{name:<28}{seconds:>9.3f}{written / seconds:>12,.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.conversations, args.turns)))
