"""Replay benchmark: rebuild a 10,000-event conversation from its log alone (target: ≤ 1 s).

Against a real embedded nats-server (file storage, ``sync_interval: always``) in a temporary directory, one
conversation of N events is appended: ``conversation.started``, then turns of seven events each (the customer's
message, the turn, a model call, a tool call and its result, a second model call, the reply). Then, median of 5:

* read: every event of the conversation from JetStream (batched direct get), decoded and upcast;
* + transcript: the conversation service's ``rebuild_transcript`` (what ``deskpilot replay`` compares);
* + agent state: the agent's ``fold`` (history, tool calls, tokens, dollar cost);
* + cost: each model call priced from the dated price table, as billing's ledger does.

Run: ``.venv/bin/python benchmarks/replay.py [--events 10000]``
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
from decimal import Decimal
from pathlib import Path

import nats

from deskpilot.embedded import EmbeddedNats
from libs.events import (
    Actor,
    AgentReplied,
    AgentTurnStarted,
    ConversationStarted,
    Envelope,
    EventLog,
    EventPayload,
    LlmCalled,
    MessageReceived,
    RecordedEvent,
    ToolCompleted,
    ToolRequested,
    new_id,
)
from services.agent.state import fold
from services.billing.booking import price_llm_call
from services.conversation.service import rebuild_transcript
from services.integrations.vault import new_master_key

AI, CUSTOMER, TOOLS = Actor(kind="ai", id="bench"), Actor(kind="customer", id="c"), Actor(kind="system", id="tools")
MODEL = ("anthropic", "claude-sonnet-4-6")


def turn(i: int) -> list[tuple[EventPayload, Actor]]:
    turn_id, call = f"turn_{i}", f"call_{i}"

    def llm() -> LlmCalled:
        return LlmCalled(
            turn_id=turn_id, provider=MODEL[0], model=MODEL[1], input_tokens=1800, output_tokens=60,
            cache_read_tokens=1500, latency_ms=900.0, cost_usd=Decimal("0.00189"), stop_reason="tool_use",
        )  # fmt: skip

    return [
        (MessageReceived(message_id=f"m{i}", text=f"Where is my order #{1000 + i}?"), CUSTOMER),
        (AgentTurnStarted(turn_id=turn_id, trigger_event_id=f"e{i}", provider=MODEL[0], model=MODEL[1]), AI),
        (llm(), AI),
        (
            ToolRequested(
                turn_id=turn_id,
                tool_call_id=call,
                idempotency_key=call,
                tool="get_order_status",
                service="integrations",
                arguments={"order_number": str(1000 + i)},
            ),
            AI,
        ),
        (
            ToolCompleted(
                turn_id=turn_id,
                tool_call_id=call,
                tool="get_order_status",
                result={"summary": f"Order #{1000 + i} has shipped."},
                latency_ms=40.0,
            ),
            TOOLS,
        ),
        (llm(), AI),
        (
            AgentReplied(
                turn_id=turn_id,
                message_id=f"r{i}",
                text=f"Order #{1000 + i} has shipped.",
                provider=MODEL[0],
                model=MODEL[1],
            ),
            AI,
        ),
    ]


async def fill(log: EventLog, tenant_id: str, conversation_id: str, events: int) -> int:
    payloads: list[tuple[EventPayload, Actor]] = [(ConversationStarted(), CUSTOMER)]
    i = 0
    while len(payloads) < events:
        payloads += turn(i)
        i += 1
    payloads = payloads[:events]
    version = 0
    for start in range(0, len(payloads), 100):
        batch = [
            Envelope.new(p, tenant_id=tenant_id, conversation_id=conversation_id, actor=a)
            for p, a in payloads[start : start + 100]
        ]
        positions = await log.append(tenant_id, conversation_id, batch, version if version else None)
        version = positions[-1]
    return len(payloads)


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


async def main(events: int) -> None:
    os.environ.setdefault("DESKPILOT_VAULT_MASTER_KEYS", f"bench:{new_master_key()}")  # the log seals personal data
    with tempfile.TemporaryDirectory(prefix="deskpilot-bench-") as tmp:
        embedded = EmbeddedNats(Path(tmp))
        nc = await nats.connect(embedded.start())
        try:
            log = EventLog(nc)
            await log.ensure_streams()
            tenant_id, conversation_id = new_id("ten"), new_id("conv")
            written = await fill(log, tenant_id, conversation_id, events)

            async def read() -> list[RecordedEvent]:
                found = await log.read(tenant_id, conversation_id)
                assert len(found) == written
                return found

            async def transcript() -> object:
                return rebuild_transcript(await read())

            async def agent_state() -> object:
                recorded = await read()
                rebuild_transcript(recorded)
                return fold(tenant_id, conversation_id, recorded)

            async def with_cost() -> Decimal:
                recorded = await read()
                rebuild_transcript(recorded)
                fold(tenant_id, conversation_id, recorded)
                return sum(
                    (
                        price_llm_call(r.event.payload, r.event.occurred_at)[0]
                        for r in recorded
                        if isinstance(r.event.payload, LlmCalled)
                    ),
                    Decimal(0),
                )

            rows = [
                ("read (decode + upcast)", await timed(read)),
                ("+ transcript", await timed(transcript)),
                ("+ agent state", await timed(agent_state)),
                ("+ cost of every model call", await timed(with_cost)),
            ]
        finally:
            await nc.close()
            embedded.stop()
    print(f"replay benchmark — {os.cpu_count()} cores, one conversation of {written:,} events, median of 5")
    print(f"{'replay':<30}{'seconds':>9}{'events/s':>12}")
    for name, seconds in rows:
        print(f"{name:<30}{seconds:>9.3f}{written / seconds:>12,.0f}")
    print(f"target: a 10,000-event conversation in ≤ 1 s ({'met' if rows[-1][1] <= 1 else 'NOT met'} end to end)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.events)))
