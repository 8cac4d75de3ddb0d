"""The gateway's own cost: CPU milliseconds the gateway process spends per forwarded request.

    .venv/bin/python benchmarks/gateway.py [--requests 3000] [--concurrency 8] [--tree DIR]

Starts a trivial upstream (a raw ASGI app under uvicorn, answering a small JSON body) and ``deskpilot.gateway``
in front of it, each its own process, then sends ``--requests`` GETs through the gateway with ``--concurrency`` in
flight (keep-alive). Prints the gateway process's CPU time (user + system, from /proc) per request and the
throughput; the baseline, measured in the same run, is the same load sent to the upstream directly. ``--tree``
runs the gateway of another checkout (e.g. ``git worktree add --detach /tmp/before <commit>``) for a before/after
comparison. Issue 14's budget: the whole hot path under 10 % of a core at 100 turns/s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from deskpilot.embedded import free_port
from deskpilot.gateway_limits import LOAD_GENERATOR_ENV

ROOT = Path(__file__).resolve().parents[1]
API_KEY = {"Authorization": "Bearer dp_benchmark"}  # every request counted against one key, as an API client's are
UPSTREAM = """
import uvicorn
BODY = b'{"items": [], "note": "' + b"x" * 200 + b'"}'
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]})
    await send({"type": "http.response.body", "body": BODY})
uvicorn.run(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), log_level="warning")
"""
GATEWAY = """
import sys, uvicorn
from deskpilot.gateway import Gateway
try:  # as `deskpilot up` builds it: rate limits, sizes and security headers (lifted rates: see main's env)
    from deskpilot.gateway_limits import GatewaySettings, gateway_middleware
    middleware = gateway_middleware(GatewaySettings())
except ImportError:  # a tree from before deskpilot/gateway_limits.py
    middleware = []
gateway = Gateway({"conversation": "http://127.0.0.1:" + sys.argv[2]}, middleware=middleware)
gateway.ready = True
uvicorn.run(gateway, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", lifespan="on")
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def wait_listening(url: str) -> None:
    async with httpx2.AsyncClient() as client:
        for _ in range(300):
            try:
                await client.get(url + "/healthz")
                return
            except httpx2.TransportError:
                await asyncio.sleep(0.1)
    raise SystemExit(f"{url} did not start")


async def load(url: str, requests: int, concurrency: int) -> float:
    """Seconds to send ``requests`` GETs with ``concurrency`` in flight."""
    limits = httpx2.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx2.AsyncClient(base_url=url, limits=limits) as client:
        left = iter(range(requests))

        async def worker() -> None:
            for _ in left:
                r = await client.get("/v1/conversations/c_1?limit=5", headers=API_KEY)
                assert r.status_code == 200, r.text

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start


async def measure(up: str, gw: str, gateway_pid: int, requests: int, concurrency: int) -> tuple[float, float, float]:
    """(seconds direct, seconds through the gateway, gateway CPU seconds) for the same load."""
    await wait_listening(up)
    await wait_listening(gw)
    await load(gw, 200, concurrency)  # warm up: connections, imports, caches
    direct = await load(up, requests, concurrency)
    before = cpu_seconds(gateway_pid)
    through = await load(gw, requests, concurrency)
    return direct, through, cpu_seconds(gateway_pid) - before


def main(requests: int, concurrency: int, tree: Path) -> None:
    up_port, gw_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(tree), **LOAD_GENERATOR_ENV}  # measured, not refused
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM, str(up_port)])
    gateway = subprocess.Popen([sys.executable, "-c", GATEWAY, str(gw_port), str(up_port)], env=env, cwd=tree)
    try:
        up, gw = f"http://127.0.0.1:{up_port}", f"http://127.0.0.1:{gw_port}"
        direct, through, spent = asyncio.run(measure(up, gw, gateway.pid, requests, concurrency))
    finally:
        for proc in (gateway, upstream):
            proc.terminate()
            proc.wait(10)
    print(f"gateway from {tree} ({requests} requests, {concurrency} in flight)")
    print(f"  direct to the upstream (baseline): {requests / direct:8.0f} req/s")
    print(f"  through the gateway:               {requests / through:8.0f} req/s")
    print(f"  gateway CPU per request:           {spent / requests * 1000:8.3f} ms")
    print(f"  at 100 requests/s the gateway uses {spent / requests * 100 * 100:.1f} % of a core")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--tree", type=Path, default=ROOT)
    args = parser.parse_args()
    main(args.requests, args.concurrency, args.tree.resolve())
