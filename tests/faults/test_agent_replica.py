"""A second agent replica (``deskpilot serve agent`` beside the one ``deskpilot up`` supervises, sharing its durable
consumers) SIGKILLed mid-traffic and never restarted, with 20 conversations in flight, each asking for a refund (a
write tool) and then about an order: what it held unacknowledged comes back to the live replica after the ack wait
(decision 0049), so every message is answered exactly once, every refund made exactly once (the demo store's rows),
no event id appears twice, nothing is parked, every consumer catches up and the billing ledger equals the log."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.faultkit.load import Load
from tests.faultkit.platform import Up, caught_up, event_log
from tests.faultkit.replica import agent_counter, agent_holding, start_replica, stop_replica, supervised_agent_url
from tests.faultkit.shop import refunds_made, without_the_refund_procedure
from tests.faultkit.verdict import conversation_log, dead_letters, judge

REFUND = "please refund $1 of order #1003"
ASK = "where is my order #1001?"
CONVERSATIONS = 20
TAKEN_BEFORE_THE_KILL = 4
"""Deliveries the extra replica handled before it is killed: it shares the work."""
SLOW_REPLIES = {"DESKPILOT_AGENT_OFFLINE_WORD_DELAY_MS": "100"}
"""The extra replica streams its replies slowly (the offline model's pause between words, 2-3 s a reply) so that
when it is killed it is holding turns in the middle of a model call: the work that must come back. The same
environment as the supervised agent otherwise."""


async def _mid_traffic(load: Load, url: str, timeout: float = 120.0) -> float:
    """Until half the conversations had a reply, the extra replica handled its share and holds a delivery now (in
    the middle of a slow reply: what must come back); what it handled. Killed holding nothing, it would leave no
    work for the live replica to take over, which is what this test is about (it failed so under load)."""
    deadline = time.monotonic() + timeout
    while True:
        handled = await agent_counter(url, "deskpilot_consumer_messages", outcome="handled")
        if handled >= TAKEN_BEFORE_THE_KILL and load.report.answered >= CONVERSATIONS // 2 and await agent_holding(url):
            return handled
        assert time.monotonic() < deadline, f"extra replica handled {handled}, {load.report.answered} replies"
        await asyncio.sleep(0.05)


async def test_an_agent_replica_killed_mid_traffic_leaves_nothing_undone(up: Up) -> None:
    await without_the_refund_procedure(up)
    async with event_log(up) as log:
        parked_before = await dead_letters(log, up.tenant_id)
    survivor = supervised_agent_url(up)
    redelivered_before = await agent_counter(survivor, "deskpilot_consumer_redeliveries")
    log_path = Path(up.data_dir).parent / "agent-replica.log"
    replica = await asyncio.to_thread(start_replica, up, log_path, env=SLOW_REPLIES)
    load = Load(
        up.base,
        up.api_key,
        clients=CONVERSATIONS,
        per_conversation=2,
        texts=(REFUND, ASK),
        total=2 * CONVERSATIONS,
        reply_timeout=90,
    )
    running = asyncio.create_task(load.run())
    try:
        handled = await _mid_traffic(load, replica.url)
        replica.proc.kill()  # SIGKILL: what it had taken stays unacknowledged; nobody restarts it
        killed_at, answered_then = time.monotonic(), load.report.answered
        await asyncio.to_thread(replica.proc.wait, 30)
        await asyncio.wait_for(asyncio.shield(running), 180)  # the load ends by itself: 40 messages
    finally:
        load.stop.set()
        report = await running
        stop_replica(replica)

    async with event_log(up) as log:
        events = {cid: await conversation_log(log, up.tenant_id, cid) for cid in report.conversations}
        verdict = judge(events, report)
        verdict.dead_letters = await dead_letters(log, up.tenant_id) - parked_before
    await caught_up(up, timeout=120)  # the dead replica's unacknowledged deliveries came back and were settled
    redelivered = await agent_counter(survivor, "deskpilot_consumer_redeliveries") - redelivered_before
    print(
        f"extra replica handled {handled:.0f} deliveries, killed with {answered_then} of {len(report.accepted)} "
        f"answered; {redelivered:.0f} redelivered to the live replica; {verdict.summary()}"
    )
    assert answered_then < len(report.accepted), "killed mid-traffic"
    assert redelivered >= 1, "the replica was killed holding deliveries, which the live one took over"
    assert any(s.sent_at > killed_at for s in report.accepted), "messages kept coming after the kill"
    assert verdict.accepted >= 2 * CONVERSATIONS
    assert verdict.clean, verdict.summary()
    assert verdict.answered_once >= verdict.accepted

    refunds = {
        cid: [
            e["payload"]["idempotency_key"]
            for e in evs
            if e["type"] == "tool.requested" and e["payload"]["tool"] == "refund_order"
        ]
        for cid, evs in events.items()
        if any(e["type"] == "message.received" for e in evs)
    }
    assert all(len(keys) == 1 for keys in refunds.values()), f"a conversation without one refund call: {refunds}"
    keys = {k for ks in refunds.values() for k in ks}
    assert len(keys) >= CONVERSATIONS, "every conversation made its refund"
    assert sorted(await refunds_made(up, keys)) == sorted(keys), "every refund made exactly once in the store"

    rebuilt = up.cli("billing", "rebuild", "--check")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
