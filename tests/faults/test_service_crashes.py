"""Every service SIGKILLed once (``deskpilot up`` restarts it) with 32 conversations in flight, each asking for a
refund (a write tool) and then about an order (``tests/faultkit/crashes.py``): every message answered exactly once,
every refund made exactly once (the demo store's rows), no acknowledged event missing, the billing ledger equal to
the log, and every message waiting on a killed service answered (how soon after its service was back is printed,
not asserted: a speed, and this machine's load decides it; ``benchmarks/service_crashes.py`` kills every service
several times and prints the same) (issues 14 and 18)."""

from __future__ import annotations

from deskpilot.supervisor import SERVICES
from tests.faultkit.crashes import CONVERSATIONS, crash_under_load
from tests.faultkit.platform import Up, caught_up


async def test_every_service_killed_once_loses_and_repeats_nothing(up: Up) -> None:
    run = await crash_under_load(up)
    print(run.summary())
    assert sorted(c.service for c in run.crashes) == sorted(SERVICES), "every service killed once"
    assert run.verdict.clean, run.verdict.summary()
    assert run.verdict.answered_once >= run.verdict.accepted  # the log may hold a message whose 202 the client missed
    assert all(n <= 1 for n in run.refund_calls), "a conversation's one refund message made one refund call at most"
    assert len(run.refunds_asked) >= CONVERSATIONS, "the crashes hit conversations doing a write tool"
    assert sorted(run.refunds_made) == sorted(run.refunds_asked), "every refund made exactly once in the store"

    await caught_up(up, timeout=300)
    rebuilt = up.cli("billing", "rebuild", "--check")
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
    # How soon after its restart a message was answered (issue 14 targets 15 s) is a figure, printed above.
