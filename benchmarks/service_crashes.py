"""Issue 14's kill-and-restart run: every service SIGKILLed several times under load, and what the log says.

    .venv/bin/python benchmarks/service_crashes.py [--rounds 5]

Starts what ``tests/faultkit`` starts (three ``nats-server`` processes with R3 streams, a PostgreSQL of its own,
``deskpilot up``), drives 32 customers through the public API, each asking for a refund (a write tool) and then
about an order, and kills the six services ``--rounds`` times over, in two waves of three per round, each wave
restarted at once by ``deskpilot up`` and work flowing again before the next (``tests/faultkit/crashes.py``; the
suite's ``tests/faults/test_service_crashes.py`` is one round). Prints how long each service took to be ready again,
messages accepted / answered exactly once / unanswered / answered twice, acknowledged events lost, duplicate event
ids, dead letters, client errors, the slowest answer after its service's restart (issue 14: within 15 s), and the
refunds asked for against the rows the demo store holds (each exactly once).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ (the fault kit)

from tests.faultkit.crashes import crash_under_load
from tests.faultkit.platform import start_up, stop_up


async def run(rounds: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="deskpilot-crashes-bench-"))
    try:
        up = await asyncio.to_thread(start_up, base)
        try:
            started = time.monotonic()
            result = await crash_under_load(up, rounds)
            took = time.monotonic() - started
        finally:
            await asyncio.to_thread(stop_up, up)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"\nservice_crashes — every service killed {rounds} times under load, {took:.0f} s")
    print(f"  {result.summary()}")
    kills = sorted({c.service for c in result.crashes})
    print("  kills per service: " + ", ".join(f"{s} {sum(c.service == s for c in result.crashes)}" for s in kills))
    twice = sum(n > 1 for n in result.refund_calls)
    missing = len(result.refunds_asked) - len(set(result.refunds_made))
    print(f"  refunds: conversations with two refund calls {twice}, asked for but not made {missing}")
    print(f"  clean: {result.verdict.clean}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
