"""Issue 22's table, re-measured: one fault under load on a 3-node JetStream cluster with R3 streams.

    .venv/bin/python benchmarks/faults.py [--messages 500] [--only no-fault stream-leader meta-leader first-listed
                                           database-10 database-60]

Starts what ``tests/faultkit`` starts (three ``nats-server`` processes on loopback with ``sync_interval: always``,
``NATS_URL`` as the list of all three, ``DESKPILOT_STREAM_REPLICAS=3``, a PostgreSQL of its own, ``deskpilot up``
with the tenant on plan "enterprise"), drives it with 8 clients through the public API (3 messages per
conversation, the next after the reply), and for each scenario prints: messages accepted / answered exactly once,
unanswered, answered twice, acknowledged events lost, duplicate event ids, dead letters, client errors, and how
many seconds after the fault replies flowed again. The no-fault run sends ``--messages``; each fault strikes after
40 replies and the load goes on for 60 replies after the fault is over. The suite runs shorter versions of these
(``tests/faults``).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ (the fault kit)

from tests.faultkit.load import Load
from tests.faultkit.platform import Up, caught_up, event_log, start_up, stop_up
from tests.faultkit.scenario import Outcome, under_load
from tests.faultkit.verdict import verdict_of

SCENARIOS = ("no-fault", "stream-leader", "meta-leader", "first-listed", "database-10", "database-60")


def node_kill(up: Up, which: str, down_s: float = 5.0) -> Callable[[], Awaitable[None]]:
    async def fault() -> None:
        if which == "first-listed":
            name: str | None = up.cluster.nodes[0].name
        elif which == "stream-leader":
            name = await up.cluster.stream_leader()
        else:
            name = await asyncio.to_thread(up.cluster.meta_leader)
        assert name, which
        node = up.cluster.node(name)
        up.cluster.kill(node)
        await asyncio.sleep(down_s)
        up.cluster.start(node)
        await asyncio.to_thread(up.cluster.wait_ready)

    return fault


def database_stop(up: Up, seconds: float) -> Callable[[], Awaitable[None]]:
    async def fault() -> None:
        await asyncio.to_thread(up.postgres.halt)
        await asyncio.sleep(seconds)
        await asyncio.to_thread(up.postgres.resume)

    return fault


async def no_fault(up: Up, messages: int) -> str:
    report = await Load(up.base, up.api_key, clients=8, per_conversation=3, total=messages).run()
    async with event_log(up) as log:
        v = await verdict_of(log, up.tenant_id, report)
    rate = len(report.accepted) / max(1e-9, report.ended - report.started)
    return f"no fault: {v.summary()}; {rate:.1f} messages/s"


async def run(scenarios: list[str], messages: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="deskpilot-faults-bench-"))
    started = time.monotonic()
    up = await asyncio.to_thread(start_up, base)
    print(f"platform up on a 3-node cluster in {time.monotonic() - started:.0f} s", flush=True)
    try:
        for name in scenarios:
            if name == "no-fault":
                print(await no_fault(up, messages), flush=True)
                continue
            if name.startswith("database-"):
                fault = database_stop(up, float(name.split("-")[1]))
            else:
                fault = node_kill(up, name)
            outcome: Outcome = await under_load(up, fault)
            try:
                await caught_up(up, timeout=300)
                check = f"billing rebuild --check exit {up.cli('billing', 'rebuild', '--check').returncode}"
            except TimeoutError as exc:
                check = str(exc)
            print(f"{outcome.line(name)}; {check}", flush=True)
    finally:
        await asyncio.to_thread(stop_up, up)
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    args = parser.parse_args()
    asyncio.run(run(args.only, args.messages))


if __name__ == "__main__":
    main()
