"""Two checkouts' platforms up at once, their sequential turns alternated one by one: an A/B of the turn's latency
that the machine's phases (other work, frequency, a neighbour's load) hit equally.

    .venv/bin/python benchmarks/turn_ab.py --base PATH [--turns 150]

``PATH`` is another checkout of this repository (``git worktree add --detach ../base <rev>``, with its ``.venv``
and ``web/node_modules`` linked or installed); this checkout is B. Each starts ``deskpilot up`` on embedded servers
with the zero-latency Anthropic-wire model, as ``turn_e2e.py`` does; then, turn by turn, A then B (B then A on odd
turns), each on a conversation of its own platform, a new one every five turns. Printed: POST → first push and
POST → ``agent.replied`` pushed, p50/p95/p99 for each, the paired difference B - A of the first push (median and
mean), and the CPU-ms per turn of each platform (its processes, nats-server, PostgreSQL, the model server; net of
what each spends idle, measured for a few seconds first). Run it with ``--base`` this very checkout to see the
method's own noise (an A/A: ±0.3 ms median on the 2-core reference machine), which single ``turn_e2e.py`` runs,
minutes apart, show as ±2 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx2
from turn_e2e import IDLE_S, ORIGIN, QUESTIONS, ROOT, Chat, Client, Platform, Turn, cpu_ms, group_cpu_ms, pct


async def _client(platform: Platform, http: httpx2.AsyncClient) -> Client:
    tenant = {"Authorization": f"Bearer {platform.api_key}"}
    (await http.put("/v1/billing/plan", headers=tenant, json={"plan": "enterprise"})).raise_for_status()
    r = await http.post("/v1/conversations/widget-keys", headers=tenant, json={"allowed_origins": [ORIGIN]})
    r.raise_for_status()
    client = Client(platform, http, r.json()["widget_key"])
    warm = await client.open()  # every process has loaded what it needs and opened its connections
    for text in QUESTIONS[:3]:
        await client.say(warm, text)
    return client


async def _cpu(platform: Platform) -> float:
    """CPU-ms so far of everything one platform runs (its processes, nats-server, PostgreSQL, the model server)."""
    servers = platform.servers()
    servers.pop("client")  # this process drives both
    return sum(cpu_ms(platform.processes()).values()) + sum(group_cpu_ms(servers).values())


def _ms(turns: list[Turn], attr: str) -> list[float]:
    return [(getattr(t, attr) - t.posted) * 1000 for t in turns if getattr(t, attr) is not None]


async def run(roots: list[Path], turns: int) -> None:
    with tempfile.TemporaryDirectory(prefix="deskpilot-turn-e2e-") as tmp:
        platforms = [Platform(Path(tmp) / name, 0.0, root) for name, root in zip("AB", roots, strict=True)]
        try:
            for platform in platforms:
                platform.work.mkdir()
                platform.start()
            https = [httpx2.AsyncClient(base_url=p.base, timeout=30) for p in platforms]
            clients = [await _client(p, h) for p, h in zip(platforms, https, strict=True)]
            said: list[list[Turn]] = [[], []]
            chats: list[Chat | None] = [None, None]
            idle = [await _cpu(p) for p in platforms]
            await asyncio.sleep(IDLE_S)
            start = [await _cpu(p) for p in platforms]
            idle_rate = [(b - a) / IDLE_S for a, b in zip(idle, start, strict=True)]
            began = time.perf_counter()
            for k in range(turns):
                for i in (0, 1) if k % 2 == 0 else (1, 0):
                    if k % 5 == 0 or chats[i] is None:
                        chats[i] = await clients[i].open()
                    chat = chats[i]
                    assert chat is not None
                    said[i].append(await clients[i].say(chat, QUESTIONS[k % 5]))
            took = time.perf_counter() - began
            cpu = [
                (await _cpu(p) - s0 - rate * took) / turns
                for p, s0, rate in zip(platforms, start, idle_rate, strict=True)
            ]
            for h in https:
                await h.aclose()
        finally:
            for platform in platforms:
                platform.stop()
    print(f"\nturn_ab — {turns} sequential turns each, alternated; ms")
    for label, root, ts in zip("AB", roots, said, strict=True):
        first, replied = _ms(ts, "first_push"), _ms(ts, "replied")
        print(
            f"  {label} {root}\n    first push p50 {pct(first, 50):6.1f}  p95 {pct(first, 95):6.1f}  p99 "
            f"{pct(first, 99):6.1f}   agent.replied pushed p50 {pct(replied, 50):6.1f}  p95 {pct(replied, 95):6.1f}"
        )
    pairs = [
        (b.first_push - b.posted - (a.first_push - a.posted)) * 1000
        for a, b in zip(*said, strict=True)
        if a.first_push is not None and b.first_push is not None
    ]
    print(f"  B - A first push, paired: median {statistics.median(pairs):+.2f}, mean {statistics.mean(pairs):+.2f}")
    print(f"  CPU-ms per turn (platform, nats-server, PostgreSQL, model; net of idle): A {cpu[0]:.1f}, B {cpu[1]:.1f}")
    print(f"  stuck: A {sum(t.replied is None for t in said[0])}, B {sum(t.replied is None for t in said[1])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the other checkout (A)")
    parser.add_argument("--turns", type=int, default=150)
    args = parser.parse_args()
    asyncio.run(run([args.base.resolve(), ROOT], args.turns))


if __name__ == "__main__":
    main()
