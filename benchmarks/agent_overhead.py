"""Platform overhead of an agent turn with one tool call, and turn throughput with one and two agent processes.

    .venv/bin/python benchmarks/agent_overhead.py [--turns 200] [--concurrency 32]

Real agent processes (``deskpilot serve agent``) on an embedded NATS JetStream and PostgreSQL; the model is the
offline model (deterministic rules, no network: effectively zero model latency); the tool is a fake tool service
that answers every ``tool.requested`` at once. Everything measured is therefore Deskpilot's own overhead: log
reads and appends, consumer hops, database reads. Printed next to the raw JetStream publish→consume rate measured
in the same run, on the same server.

Targets (docs: PRODUCT.md): p50 ≤ 10 ms, p99 ≤ 50 ms per turn; throughput ≥ 50 % of the raw rate divided by the
events per turn; two agent processes ≥ 1.8x one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from deskpilot.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from deskpilot.tenants import create_tenant
from libs.events import (
    SYSTEM,
    Actor,
    ConversationStarted,
    Envelope,
    EventLog,
    MessageReceived,
    ToolCompleted,
    ToolRequested,
    ToolSpec,
    ToolsPublished,
    decode,
    new_id,
)
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import any_command, any_conversation
from services.integrations.vault import new_master_key

CUSTOMER = Actor(kind="customer", id="bench")
TOOL = ToolSpec(
    name="get_order_status",
    description="Look up an order by its number and tell its status.",
    input_schema={"type": "object", "properties": {"order_number": {"type": "string"}}, "required": ["order_number"]},
    service="benchtool",
)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def raw_rate(nc: NATS, n: int = 5000) -> float:
    """Raw JetStream publish→consume: n events published 64 in flight, then pulled in batches and acked."""
    js = nc.jetstream()
    tenant, conv = new_id("raw"), new_id("conv")
    payload = Envelope.new(
        MessageReceived(message_id="m", text="x" * 40), tenant_id=tenant, conversation_id=conv, actor=CUSTOMER
    ).encode()
    # A subject no service consumes, so the agents do not see these events.
    subject = f"dp.tenant.{tenant}.bench.raw"
    start = time.perf_counter()
    for i in range(0, n, 64):
        await asyncio.gather(*(js.publish(subject, payload, stream=EVENTS_STREAM) for _ in range(min(64, n - i))))
    sub = await js.pull_subscribe(subject, durable=f"raw-{conv}", stream=EVENTS_STREAM)
    got = 0
    while got < n:
        for msg in await sub.fetch(64, timeout=5):
            await msg.ack()
            got += 1
    elapsed = time.perf_counter() - start
    await js.delete_consumer(EVENTS_STREAM, f"raw-{conv}")
    return n / elapsed


async def fake_tool(nc: NATS, log: EventLog) -> None:
    """The tool service: answers every benchtool request immediately (core NATS subscription, no persistence)."""

    async def answer(msg: Msg) -> None:
        event = decode(msg.data)
        request = event.payload
        if not isinstance(request, ToolRequested):
            return
        assert event.conversation_id is not None
        done = ToolCompleted(
            turn_id=request.turn_id,
            tool_call_id=request.tool_call_id,
            tool=request.tool,
            result={"summary": f"Order #{request.arguments['order_number']} has shipped."},
            latency_ms=0,
        )
        await log.append(
            event.tenant_id,
            event.conversation_id,
            [
                Envelope.new(
                    done,
                    tenant_id=event.tenant_id,
                    conversation_id=event.conversation_id,
                    actor=SYSTEM,
                    caused_by=event,
                )
            ],
            None,
        )

    await nc.subscribe(any_command("tool.requested", "benchtool"), cb=answer)


class Replies:
    """Arrival times of agent.replied per conversation (a core NATS subscription sees every stored event)."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.waiters: dict[str, asyncio.Future[float]] = {}

    async def on_reply(self, msg: Msg) -> None:
        conv = msg.subject.split(".")[3]
        now = time.perf_counter()
        self.at[conv] = now
        waiter = self.waiters.pop(conv, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(now)

    def wait(self, conv: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        if conv in self.at:
            future.set_result(self.at[conv])
        else:
            self.waiters[conv] = future
        return future


async def one_turn(log: EventLog, replies: Replies, tenant: str) -> float:
    conv = new_id("conv")
    events = [
        Envelope.new(ConversationStarted(), tenant_id=tenant, conversation_id=conv, actor=CUSTOMER),
        Envelope.new(
            MessageReceived(message_id=new_id("msg"), text="where is my order #1001?"),
            tenant_id=tenant,
            conversation_id=conv,
            actor=CUSTOMER,
        ),
    ]
    waiter = replies.wait(conv)
    start = time.perf_counter()
    await log.append(tenant, conv, events, expected_version=0)
    done = await asyncio.wait_for(waiter, 30)
    return (done - start) * 1000


def start_agents(count: int, env: dict[str, str]) -> list[tuple[subprocess.Popen[bytes], int]]:
    # DESKPILOT_BENCH_LOG=<file> keeps the agents' output for inspection.
    agent_log = Path(os.environ.get("DESKPILOT_BENCH_LOG", os.devnull)).open("ab")  # noqa: SIM115 - outlives this call
    procs = []
    for _ in range(count):
        port = free_port()
        proc = subprocess.Popen(
            [sys.executable, "-m", "deskpilot.cli", "serve", "agent", "--host", "127.0.0.1", "--port", str(port)],
            env={**env, "DESKPILOT_LOG_LEVEL": "WARNING"},
            stdout=agent_log,
            stderr=subprocess.STDOUT,
        )
        procs.append((proc, port))
    for proc, port in procs:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/v1/agent/readyz", timeout=1).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("agent process did not become ready")
            time.sleep(0.1)
    return procs


def stop_agents(procs: list[tuple[subprocess.Popen[bytes], int]]) -> None:
    for proc, _ in procs:
        proc.terminate()
    for proc, _ in procs:
        proc.wait(30)


async def measure(log: EventLog, replies: Replies, tenant: str, turns: int, concurrency: int) -> dict[str, float]:
    for _ in range(20):  # warm-up: connections, caches, plans
        await one_turn(log, replies, tenant)
    sequential = [await one_turn(log, replies, tenant) for _ in range(turns)]
    slots = asyncio.Semaphore(concurrency)

    async def limited() -> float:
        async with slots:
            return await one_turn(log, replies, tenant)

    start = time.perf_counter()
    await asyncio.gather(*(limited() for _ in range(turns * 2)))
    rate = turns * 2 / (time.perf_counter() - start)
    return {"p50": statistics.median(sequential), "p99": pct(sequential, 99), "rate": rate}


async def main(turns: int, concurrency: int) -> None:
    with tempfile.TemporaryDirectory(prefix="deskpilot-bench-") as tmp:
        embedded_nats, embedded_pg = EmbeddedNats(Path(tmp)), EmbeddedPostgres(Path(tmp))
        nats_url, database_url = embedded_nats.start(), embedded_pg.start()
        # The benchmark seals and opens personal data in the log as the services do: they share one master key.
        os.environ.setdefault("DESKPILOT_VAULT_MASTER_KEYS", f"bench:{new_master_key()}")
        env = {**os.environ, "NATS_URL": nats_url, "DATABASE_URL": database_url}
        nc = await nats.connect(nats_url)
        try:
            log = EventLog(nc)
            await log.ensure_streams()
            raw = statistics.median([await raw_rate(nc) for _ in range(3)])
            tenant = await create_tenant(log, "Bench")
            await log.publish(
                Envelope.new(
                    ToolsPublished(service="benchtool", tools=(TOOL,)), tenant_id=tenant.tenant_id, actor=SYSTEM
                )
            )
            replies = Replies()
            await nc.subscribe(any_conversation("agent.replied"), cb=replies.on_reply)
            await fake_tool(nc, log)
            results = {}
            for count in (1, 2):
                procs = start_agents(count, env)
                try:
                    results[count] = await measure(log, replies, tenant.tenant_id, turns, concurrency)
                finally:
                    stop_agents(procs)
            sample = await log.read_raw(f"dp.conv.{tenant.tenant_id}.*.>")
            conversations = {decode(b).conversation_id for _, b in sample}
            per_turn = len(sample) / max(1, len(conversations))
        finally:
            await nc.close()
            embedded_pg.stop()
            embedded_nats.stop()

    ceiling = raw / per_turn
    one, two = results[1], results[2]
    print(
        f"agent overhead benchmark — {os.cpu_count()} cores, {turns} sequential turns, "
        f"{turns * 2} concurrent turns ({concurrency} in flight), offline model, instant fake tool"
    )
    print(f"raw JetStream publish→consume (same server, median of 3): {raw:,.0f} events/s")
    print(f"events per turn (incl. conversation.started): {per_turn:.1f}  →  ceiling {ceiling:,.0f} turns/s")
    print(f"{'agents':<8}{'turn p50 ms':>13}{'turn p99 ms':>13}{'turns/s':>10}{'% of ceiling':>14}")
    for count, r in results.items():
        print(f"{count:<8}{r['p50']:>13.1f}{r['p99']:>13.1f}{r['rate']:>10.1f}{100 * r['rate'] / ceiling:>13.0f}%")
    print(
        f"two agents / one agent: {two['rate'] / one['rate']:.2f}x   "
        f"(targets: p50 ≤ 10 ms, p99 ≤ 50 ms, ≥ 50 % of ceiling, ≥ 1.8x)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main(args.turns, args.concurrency))
