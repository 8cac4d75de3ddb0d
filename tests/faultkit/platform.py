"""``deskpilot up`` on a NATS cluster given as a list and on a PostgreSQL of the test's own, as an operator runs it,
with R3 streams and the tenant on plan "enterprise" (no quota in the way of a load)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import nats
import psutil

from deskpilot.embedded import free_port
from libs.events import EventLog
from tests.faultkit.cluster import NatsCluster
from tests.faultkit.postgres import RestartablePostgres
from tests.support import platform_env, start_platform, stop_platform


@dataclass
class Up:
    base: str
    api_key: str
    tenant_id: str
    data_dir: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    log: Path
    cluster: NatsCluster
    postgres: RestartablePostgres

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "deskpilot.cli", *args, "--data-dir", str(self.data_dir)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def service(self, name: str) -> psutil.Process:
        """The running process of one service (``deskpilot serve <name>``), a child of ``deskpilot up``."""
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                cmd = child.cmdline()
            except psutil.Error:
                continue
            if "serve" in cmd and cmd[cmd.index("serve") + 1 : cmd.index("serve") + 2] == [name]:
                return child
        raise LookupError(f"no running {name} service")

    async def ready(self, name: str) -> bool:
        """Whether the service answers its ``/readyz`` with 200 through the gateway."""
        try:
            async with httpx2.AsyncClient(base_url=self.base, timeout=3) as http:
                return (await http.get(f"/v1/{name}/readyz")).status_code == 200
        except httpx2.TransportError:
            return False


@asynccontextmanager
async def event_log(up: Up) -> AsyncIterator[EventLog]:
    nc = await nats.connect(up.cluster.url.split(","), max_reconnect_attempts=-1)
    try:
        yield EventLog(nc)
    finally:
        await nc.close()


async def caught_up(up: Up, timeout: float = 90.0) -> None:
    """Until every durable consumer of the event log has nothing pending and nothing unacknowledged: the read
    models are as far as the log (what a rebuild ``--check`` compares against)."""
    from libs.events.streams import EVENTS_STREAM

    async with event_log(up) as log:
        deadline = time.monotonic() + timeout
        while True:
            behind = [
                c.name for c in await log.jetstream.consumers_info(EVENTS_STREAM) if c.num_pending or c.num_ack_pending
            ]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"consumers still behind after {timeout:.0f} s: {behind}")
            await asyncio.sleep(0.2)


def start_up(base: Path, *, replicas: int = 3, timeout: float = 240) -> Up:
    """The cluster, PostgreSQL, then ``deskpilot up`` on them; the caller stops it with :func:`stop_up`."""
    cluster = NatsCluster(base / "nats")
    cluster.start()
    postgres = RestartablePostgres(base)
    try:
        cluster.wait_ready()
        database_url = postgres.start()
        env = platform_env(NATS_URL=cluster.url, DATABASE_URL=database_url, DESKPILOT_STREAM_REPLICAS=str(replicas))
        data_dir, log, port = base / "platform", base / "platform.log", free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        proc, api_key = start_platform(data_dir, port, env, log, timeout=timeout)
    except BaseException:
        postgres.stop()
        cluster.stop()
        raise
    up = Up(f"http://127.0.0.1:{port}", api_key, "", data_dir, env, proc, log, cluster, postgres)
    try:
        up.tenant_id = asyncio.run(_enterprise(up))
    except BaseException:
        stop_up(up)
        raise
    return up


async def _enterprise(up: Up) -> str:
    async with httpx2.AsyncClient(base_url=up.base, headers=up.headers, timeout=30) as http:
        deadline = time.monotonic() + 60
        while True:
            r = await http.put("/v1/billing/plan", json={"plan": "enterprise"})
            if r.status_code == 200:
                break
            assert time.monotonic() < deadline, r.text
            await asyncio.sleep(0.5)
        created = (await http.post("/v1/conversations", json={})).json()
        events = (await http.get(f"/v1/conversations/{created['id']}/events")).json()["events"]
        return str(events[0]["tenant_id"])


def stop_up(up: Up) -> None:
    stop_platform(up.proc)
    up.postgres.stop()
    up.cluster.stop()
