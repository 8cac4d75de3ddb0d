"""Agent replicas that share the work: turns/s with 1, 2 and 4 agent processes.

    .venv/bin/python benchmarks/scale_out.py [--replicas 1 2 4] [--turns 120] [--in-flight 1] [--clients 64]
        [--messages 1] [--regimes a b]

Real agent processes (``deskpilot serve agent``) on an embedded NATS JetStream and PostgreSQL; the model is a local
server speaking Anthropic's wire protocol through the real SDK (``tests/fakes/shop_model.py``: a tool call, then
the answer); the tool is answered at once by a fake tool service. Two regimes, as an operator would size them:

(a) a model that takes 200 ms, each replica taking at most ``--in-flight`` deliveries of each trigger at a time (the
    production knob, ``DESKPILOT_AGENT_CONCURRENCY``): the work is waiting, not CPU, so replicas should add up
    (targets: 2 replicas ≥ 1.8x one, 4 replicas ≥ 3.5x);
(b) a zero-latency model: CPU bound on this 2-core machine, so more replicas cannot add much; they must not lose
    (2 replicas ≥ 1.0x one) and must not fight over conversations (version conflicts per turn ≈ 0).

Why ``--in-flight 1`` by default (it was 4). The cap applies per trigger subscription: a turn here holds a slot of
``message.received`` for ~250 ms (claim, model, two appends) and then one of ``tool.completed``, so one replica
answers at most ~cap / 0.25 s turns/s, and 4 replicas ~16 x cap. The whole turn costs ~25 CPU-ms across the
processes measured below (agent 9-17, nats 3-5, PostgreSQL < 1, this process 1-2), so 4 replicas at cap 4 would need
~64 turns/s x 25 ms = 1.6 of the 2 cores — on a machine shared with other work (load average 5-25 while this was
measured) that is CPU-bound, i.e. regime (b)'s question again: measured at cap 4, 1/2/4 replicas gave 16.4 / 27.9 /
30.9 turns/s (1.70x / 1.88x), every step of a turn stretched by waiting for a core (``message.received`` to
``agent.turn_started`` 1.1 s, tool answer to next model call 363 ms for a 200 ms model). At cap 1 four replicas
need ~0.4 core, so regime (a) measures what it is for: whether waiting work spreads over replicas. On a machine
with idle cores, raise ``--in-flight`` until the CPU figures say the machine is the limit.

``--messages N``: each customer sends N messages at once (separate appends, so separate deliveries that different
replicas take): the case where replicas could contend for one conversation.

Printed per run: turns/s, p50/p99 turn latency, version conflicts (a decision voided by another writer) and
redeliveries per turn, counted from the agents' own log lines, and CPU-ms per turn of the agent replicas, nats-server,
PostgreSQL and this process (clients and fake tool). Replicas compete for messages by free capacity (a replica pulls
only what it has workers for) and the log keeps them apart: a new turn is claimed by appending its opening before the
model is called (docs/architecture.md); a delivery whose conversation has a newer trigger in the log leaves the step
to that one's delivery (decision 0049).
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
from agent_overhead import CUSTOMER, TOOL, Replies, fake_tool, one_turn, pct

from deskpilot.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from deskpilot.tenants import create_tenant
from libs.events import SYSTEM, ConversationStarted, Envelope, EventLog, MessageReceived, ToolsPublished, new_id
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


class Cpu:
    """CPU seconds (user + system) of groups of processes and their children, between two snapshots: a child that
    appears in between counts from zero (PostgreSQL forks a backend per new connection). The group ``bench`` is
    this process alone (every other process here is its child)."""

    def __init__(self, groups: dict[str, list[int]]) -> None:
        self.groups = groups
        self._start = self._snapshot()

    def _snapshot(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for name, pids in self.groups.items():
            out[name] = {}
            for pid in pids:
                with contextlib.suppress(psutil.Error):
                    root = psutil.Process(pid)
                    children = [] if name == "bench" else root.children(recursive=True)
                    for proc in [root, *children]:
                        with contextlib.suppress(psutil.Error):
                            out[name][proc.pid] = sum(proc.cpu_times()[:2])
        return out

    def used_ms(self) -> dict[str, float]:
        end = self._snapshot()
        return {
            name: 1000 * sum(t - self._start[name].get(pid, 0.0) for pid, t in end[name].items())
            for name in self.groups
        }


def postmaster_pid(work: Path) -> int:
    return int(next(work.rglob("postmaster.pid")).read_text().split()[0])


def count_lines(logs: Path, needle: str) -> int:
    return sum(f.read_text(errors="replace").count(needle) for f in logs.glob("agent-*.log"))


async def burst_turn(log: EventLog, replies: Replies, tenant: str, messages: int) -> float:
    """A conversation whose customer sends ``messages`` messages at once (separate appends, so separate deliveries
    that different replicas may take): the case where replicas could contend on one conversation. Timed to the
    first reply."""
    if messages == 1:
        return await one_turn(log, replies, tenant)
    conv = new_id("conv")

    def message(i: int) -> Envelope:
        text = f"where is my order #100{i}?"
        payload = MessageReceived(message_id=new_id("msg"), text=text)
        return Envelope.new(payload, tenant_id=tenant, conversation_id=conv, actor=CUSTOMER)

    started = Envelope.new(ConversationStarted(), tenant_id=tenant, conversation_id=conv, actor=CUSTOMER)
    waiter = replies.wait(conv)
    start = time.perf_counter()
    await log.append(tenant, conv, [started], expected_version=0)
    await asyncio.gather(*(log.append(tenant, conv, [message(i)], None) for i in range(messages)))
    done = await asyncio.wait_for(waiter, 30)
    return (done - start) * 1000


async def run(
    log: EventLog, replies: Replies, tenant: str, turns: int, clients: int, messages: int = 1
) -> tuple[float, list[float]]:
    slots = asyncio.Semaphore(clients)

    async def limited() -> float:
        async with slots:
            return await burst_turn(log, replies, tenant, messages)

    start = time.perf_counter()
    latencies = await asyncio.gather(*(limited() for _ in range(turns)))
    return turns / (time.perf_counter() - start), list(latencies)


GROUPS = ("agent", "nats", "postgres", "bench")
"""CPU-ms per turn printed per group: the agent replicas, nats-server, PostgreSQL (with its backends) and this
process (the clients and the fake tool service)."""


Setup = tuple[EventLog, Replies, str]
Row = tuple[float, list[float], dict[str, float], Path]


async def measure(
    count: int,
    env: dict[str, str],
    work: Path,
    setup: Setup,
    turns: int,
    clients: int,
    servers: dict[str, list[int]],
    messages: int = 1,
) -> Row:
    """One row: ``count`` agent replicas take ``turns`` turns from ``clients`` concurrent clients."""
    log, replies, tenant = setup
    logs = work / f"r{count}"
    logs.mkdir()
    procs = start_agents(count, env, logs)
    try:
        for _ in range(5):  # warm-up: connections, caches, prepared statements
            await one_turn(log, replies, tenant)
        cpu = Cpu({"agent": [p.pid for p in procs], **servers})
        rate, latencies = await run(log, replies, tenant, turns, clients, messages)
        used = {name: ms / turns for name, ms in cpu.used_ms().items()}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(30)
    return rate, latencies, used, logs


async def regime(args: argparse.Namespace, model_ms: float, in_flight: int, label: str) -> None:
    with tempfile.TemporaryDirectory(prefix="deskpilot-scale-") as tmp:
        work = Path(tmp)
        embedded_nats, embedded_pg = EmbeddedNats(work), EmbeddedPostgres(work)
        nats_url, database_url = embedded_nats.start(), embedded_pg.start()
        model, model_url = start_model(model_ms)
        assert embedded_nats.proc is not None
        servers = {"nats": [embedded_nats.proc.pid], "postgres": [postmaster_pid(work)], "bench": [os.getpid()]}
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
              f"{'redeliv.':>10}  CPU-ms " + " / ".join(GROUPS) + "  (per turn)")  # fmt: skip
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
                turns = args.turns * count
                setup = (log, replies, tenant.tenant_id)
                rate, latencies, used, logs = await measure(
                    count, env, work, setup, turns, args.clients, servers, args.messages
                )
                conflicts = count_lines(logs, "moved on; deciding again") / (turns + 5)
                redeliveries = count_lines(logs, "redelivery") / (turns + 5)
                base = base or rate
                print(
                    f"{count:>8}{rate:>10.1f}{rate / base:>8.2f}{statistics.median(latencies):>9.0f}"
                    f"{pct(latencies, 99):>9.0f}{conflicts:>11.3f}{redeliveries:>10.3f}  "
                    + " / ".join(f"{used[g]:.1f}" for g in GROUPS)
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
    parser.add_argument("--in-flight", type=int, default=1, help="per trigger and replica; see above")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--messages", type=int, default=1, help="customer messages sent at once per conversation")
    parser.add_argument("--regimes", nargs="+", choices=["a", "b"], default=["a", "b"])
    args = parser.parse_args()
    print(f"scale_out — {os.cpu_count()} cores")
    if "a" in args.regimes:
        asyncio.run(regime(args, 200.0, args.in_flight, "(a) waiting-bound"))
    if "b" in args.regimes:
        asyncio.run(regime(args, 0.0, 16, "(b) CPU-bound"))


if __name__ == "__main__":
    main()
