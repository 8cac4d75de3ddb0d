"""Agent replicas that share the work: turns/s with 1, 2 and 4 agent processes.

    .venv/bin/python benchmarks/scale_out.py [--replicas 1 2 4] [--turns 120] [--in-flight 4] [--clients 64]

Real agent processes (``deskpilot serve agent``) on an embedded NATS JetStream and PostgreSQL; the model is a local
server speaking Anthropic's wire protocol through the real SDK (``tests/fakes/shop_model.py``: a tool call, then
the answer); the tool is answered at once by a fake tool service. Two regimes, as an operator would size them:

(a) a model that takes 200 ms, each replica taking at most ``--in-flight`` turns at a time (the production knob,
    ``DESKPILOT_AGENT_CONCURRENCY``): the work is waiting, not CPU, so replicas should add up (targets: 2 replicas
    ≥ 1.8x one, 4 replicas ≥ 3.5x);
(b) a zero-latency model: CPU bound on this 2-core machine, so more replicas cannot add much; they must not lose
    (2 replicas ≥ 1.0x one) and must not fight over conversations (version conflicts per turn ≈ 0).

Printed per run: turns/s, p50/p99 turn latency, version conflicts (a decision voided by another writer) and
redeliveries per turn, counted from the agents' own log lines, and CPU-ms per turn of the agent processes.
Replicas compete for messages by free capacity (a replica pulls only what it has workers for) and the log keeps
them apart: a new turn is claimed by appending its opening before the model is called (docs/architecture.md).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2
import nats
import psutil
from agent_overhead import TOOL, Replies, fake_tool, one_turn, pct

from deskpilot.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from deskpilot.tenants import create_tenant
from libs.events import SYSTEM, Envelope, EventLog, ToolsPublished
from libs.events.subjects import any_conversation
from services.integrations.vault import new_master_key

ROOT = Path(__file__).resolve().parent.parent


def start_model(model_ms: float) -> tuple[subprocess.Popen[bytes], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.shop_model", "--model-ms", str(model_ms)], cwd=ROOT, stdout=subprocess.PIPE
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().decode().strip()
    if not url:
        raise RuntimeError("the model server did not start")
    return proc, url


def start_agents(count: int, env: dict[str, str], logs: Path) -> list[subprocess.Popen[bytes]]:
    procs: list[tuple[subprocess.Popen[bytes], int]] = []
    for i in range(count):
        port = free_port()
        out = (logs / f"agent-{i}.log").open("wb")
        argv = [sys.executable, "-m", "deskpilot.cli", "serve", "agent", "--host", "127.0.0.1", "--port", str(port)]
        procs.append((subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT), port))
    for proc, port in procs:
        deadline = time.monotonic() + 180  # a loaded machine starts several agents slowly
        while True:
            with contextlib.suppress(httpx2.TransportError):
                if httpx2.get(f"http://127.0.0.1:{port}/v1/agent/readyz", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = "".join((logs / f"agent-{i}.log").read_text(errors="replace")[-2000:] for i in range(count))
                raise RuntimeError(f"agent process did not become ready:\n{tail}")
            time.sleep(0.1)
    return [p for p, _ in procs]


def count_lines(logs: Path, needle: str) -> int:
    return sum(f.read_text(errors="replace").count(needle) for f in logs.glob("agent-*.log"))


async def run(log: EventLog, replies: Replies, tenant: str, turns: int, clients: int) -> tuple[float, list[float]]:
    for _ in range(5):  # warm-up: connections, caches, prepared statements
        await one_turn(log, replies, tenant)
    slots = asyncio.Semaphore(clients)

    async def limited() -> float:
        async with slots:
            return await one_turn(log, replies, tenant)

    start = time.perf_counter()
    latencies = await asyncio.gather(*(limited() for _ in range(turns)))
    return turns / (time.perf_counter() - start), list(latencies)


async def regime(args: argparse.Namespace, model_ms: float, in_flight: int, label: str) -> None:
    with tempfile.TemporaryDirectory(prefix="deskpilot-scale-") as tmp:
        work = Path(tmp)
        embedded_nats, embedded_pg = EmbeddedNats(work), EmbeddedPostgres(work)
        nats_url, database_url = embedded_nats.start(), embedded_pg.start()
        model, model_url = start_model(model_ms)
        # The benchmark seals and opens personal data in the log as the services do: they share one master key.
        os.environ.setdefault("DESKPILOT_VAULT_MASTER_KEYS", f"bench:{new_master_key()}")
        env = {
            **os.environ,
            "NATS_URL": nats_url,
            "DATABASE_URL": database_url,
            "ANTHROPIC_API_KEY": "sk-bench",
            "ANTHROPIC_BASE_URL": model_url,
            "DESKPILOT_AGENT_CONCURRENCY": str(in_flight),
            "DESKPILOT_LOG_LEVEL": "INFO",  # the agents' "moved on" and "redelivery" lines are what we count
        }
        nc = await nats.connect(nats_url)
        print(f"\n{label}: model {model_ms:.0f} ms, in-flight cap {in_flight} per replica, {args.clients} clients")
        print(f"{'replicas':>8}{'turns/s':>10}{'x one':>8}{'p50 ms':>9}{'p99 ms':>9}{'conflicts':>11}"
              f"{'redeliv.':>10}{'CPU-ms':>8}  (per turn)")  # fmt: skip
        try:
            log = EventLog(nc)
            await log.ensure_streams()
            tenant = await create_tenant(log, "Bench")
            tools = ToolsPublished(service="benchtool", tools=(TOOL,))
            await log.publish(Envelope.new(tools, tenant_id=tenant.tenant_id, actor=SYSTEM))
            replies = Replies()
            await nc.subscribe(any_conversation("agent.replied"), cb=replies.on_reply)
            await fake_tool(nc, log)
            base = 0.0
            for count in args.replicas:
                logs = work / f"r{count}"
                logs.mkdir()
                procs = start_agents(count, env, logs)
                try:
                    handles = [psutil.Process(p.pid) for p in procs]
                    cpu0 = sum(sum(h.cpu_times()[:2]) for h in handles)
                    rate, latencies = await run(log, replies, tenant.tenant_id, args.turns * count, args.clients)
                    cpu = (sum(sum(h.cpu_times()[:2]) for h in handles) - cpu0) * 1000 / (args.turns * count)
                finally:
                    for p in procs:
                        p.terminate()
                    for p in procs:
                        p.wait(30)
                turns = args.turns * count + 5
                conflicts = count_lines(logs, "moved on; deciding again") / turns
                redeliveries = count_lines(logs, "redelivery") / turns
                base = base or rate
                print(
                    f"{count:>8}{rate:>10.1f}{rate / base:>8.2f}{statistics.median(latencies):>9.0f}"
                    f"{pct(latencies, 99):>9.0f}{conflicts:>11.3f}{redeliveries:>10.3f}{cpu:>8.1f}"
                )
        finally:
            await nc.close()
            model.terminate()
            model.wait(10)
            embedded_pg.stop()
            embedded_nats.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--turns", type=int, default=120, help="turns per replica")
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--clients", type=int, default=64)
    args = parser.parse_args()
    print(f"scale_out — {os.cpu_count()} cores")
    asyncio.run(regime(args, 200.0, args.in_flight, "(a) waiting-bound"))
    asyncio.run(regime(args, 0.0, 16, "(b) CPU-bound"))


if __name__ == "__main__":
    main()
