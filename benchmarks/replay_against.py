"""Replay-against benchmark: a 50-turn conversation replayed against a candidate (target: ≤ 2 s plus model time).

Against a real embedded nats-server (file storage, ``sync_interval: always``) in a temporary directory, one
conversation of N customer messages is recorded live by the agent loop with the offline model (order lookups, order
lists, subscriptions, small refunds, small talk), its tool calls answered by the demo store's rules. Then, median of
5, the whole replay (read the log, run the candidate through the live loop in the sandbox, answer from the
recording, diff every turn) against:

* the offline model, same setup (every call answered from the recording);
* the offline model with a tool description changed (some calls unrecorded);
* the Anthropic SDK against the local shop model (``tests/fakes/shop_model.py``, zero model latency): the same
  replay through a real provider client and HTTP.

"model" is the candidate's model time as its ``llm.called`` events report it; "overhead" is the rest.

Run: ``.venv/bin/python benchmarks/replay_against.py [--turns 50]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tests/ (the shop model)

from deskpilot.embedded import EmbeddedNats
from libs import demo_store
from libs.events import EventLog, new_id
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy, Limits
from services.agent.providers import ChatModel, OfflineModel
from services.agent.replay.diff import ConversationDiff
from services.agent.replay.runner import ReplayTarget, replay, risks_of
from services.agent.sandbox.candidate import OPERATOR, Candidate, prepare
from services.agent.tests.recording import record
from services.integrations.vault import new_master_key
from tests.fakes.shop_model import shop_model

TOOLS = list(demo_store.tool_specs())
# Generous limits: the benchmark measures a long conversation, not where the default limits would end it.
POLICY = AgentPolicy(
    limits=Limits(
        tool_calls_per_conversation=1000, identical_tool_calls_per_conversation=1000, tokens_per_conversation=10**8
    )
)
PATTERNS = [
    *(f"where is my order #{n}?" for n in (1001, 1002, 1003, 1004)),
    *(f"what orders does {e}@example.com have?" for e in ("ada", "alan", "grace")),
    *(f"show the subscription of {e}@example.com" for e in ("ada", "alan")),
    *(f"please refund ${n} of order #1003" for n in range(1, 6)),
    "thanks, that's all for now",
]


def messages(turns: int) -> list[str]:
    return [PATTERNS[i % len(PATTERNS)] for i in range(turns)]


async def median_replay(
    log: EventLog, tenant_id: str, conv: str, candidate: Candidate, model: ChatModel
) -> tuple[float, ConversationDiff]:
    prepared = await prepare(candidate, (TOOLS, POLICY), model, AgentSettings(), caller=OPERATOR)
    target = ReplayTarget(log, tenant_id, risks_of(TOOLS, prepared.tools))
    times, diff = [], None
    for _ in range(5):
        started = time.perf_counter()
        (diff,) = await replay([conv], prepared, target)
        times.append(time.perf_counter() - started)
    await prepared.close()
    assert diff is not None
    assert diff.error is None, diff.error
    return statistics.median(times), diff


async def main(turns: int) -> None:
    os.environ.setdefault("DESKPILOT_VAULT_MASTER_KEYS", f"bench:{new_master_key()}")  # the log seals personal data
    rows: list[tuple[str, float, ConversationDiff]] = []
    with tempfile.TemporaryDirectory(prefix="deskpilot-bench-") as tmp:
        embedded = EmbeddedNats(Path(tmp))
        nc = await nats.connect(embedded.start())
        try:
            log = EventLog(nc)
            await log.ensure_streams()
            tenant_id = new_id("ten")
            conv = await record(log, tenant_id, OfflineModel(), messages(turns), policy=POLICY)
            events = len(await log.read(tenant_id, conv))
            same = Candidate(name="same")
            reworded = Candidate.model_validate(
                {
                    "name": "reworded",
                    "tools": {"descriptions": {"get_order_status": "Order status by number or email."}},
                }
            )
            rows.append(("offline, same setup", *await median_replay(log, tenant_id, conv, same, OfflineModel())))
            rows.append(
                ("offline, description reworded", *await median_replay(log, tenant_id, conv, reworded, OfflineModel()))
            )
            os.environ.setdefault("BENCH_SHOP_KEY", "sk-ant-bench")
            async with shop_model() as shop:
                spec = {"provider": "anthropic", "model": "claude-sonnet-4-6", "base_url": shop.url}
                sdk = Candidate.model_validate({"name": "sdk", "model": {**spec, "api_key_env": "BENCH_SHOP_KEY"}})
                rows.append(
                    ("anthropic SDK, shop model", *await median_replay(log, tenant_id, conv, sdk, OfflineModel()))
                )
        finally:
            await nc.close()
            embedded.stop()
    print(f"replay-against benchmark — {os.cpu_count()} cores, one conversation of {turns} turns ({events} events)")
    print(f"{'candidate':<32}{'total s':>9}{'model s':>9}{'overhead s':>12}{'identical':>11}{'turns':>7}")
    for name, seconds, diff in rows:
        model_s = diff.candidate_model_ms / 1000
        same_turns = sum(t.identical_actions for t in diff.turns)
        print(f"{name:<32}{seconds:>9.3f}{model_s:>9.3f}{seconds - model_s:>12.3f}{same_turns:>8}/{len(diff.turns):<3}")
    worst = max(seconds - diff.candidate_model_ms / 1000 for _, seconds, diff in rows)
    print(f"target: ≤ 2 s plus model time ({'met' if worst <= 2 else 'NOT met'}: worst overhead {worst:.3f} s)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--turns", type=int, default=50)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.turns)))
