"""Helpers for tests that observe asynchronous effects across services, and for starting the whole platform."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

import httpx2
import nats
import pytest
from litestar import Litestar
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from deskpilot import cli
from deskpilot.embedded import EmbeddedNats
from deskpilot.gateway_limits import LOAD_GENERATOR_ENV
from deskpilot.tenants import NewTenant, create_tenant
from libs.events import Envelope, EventLog, decode
from libs.platform.runtime import ServiceRuntime

T = TypeVar("T")


async def eventually(check: Callable[[], Awaitable[T | None]], timeout: float = 60.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds.

    Asynchronous effects (a consumer projecting an event) have no completion signal to wait on from outside;
    polling with a deadline observes them without guessing a sleep duration.
    """
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)


async def provision_tenant(log: EventLog, runtime: ServiceRuntime, name: str = "Test") -> NewTenant:
    """Publish ``tenant.created`` and wait until ``runtime``'s service has projected it (its key authenticates)."""
    tenant = await create_tenant(log, name)

    async def known() -> str | None:
        return await runtime.tenants.authenticate(tenant.api_key)

    await eventually(known, what=f"{runtime.name} to learn tenant {tenant.tenant_id}")
    return tenant


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[tuple[httpx2.AsyncClient, ServiceRuntime]]:
    """A service started on the test's own event loop (migrations, NATS, consumers), with an HTTP client that
    calls its app in-process, and its runtime."""
    runtime = app.state.runtime
    assert isinstance(runtime, ServiceRuntime)
    async with (
        runtime.lifespan(app),
        httpx2.AsyncClient(transport=httpx2.ASGITransport(app=cast(Any, app)), base_url="http://service") as client,
    ):
        yield client, runtime


@asynccontextmanager
async def listening(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """``app`` served by uvicorn on a free 127.0.0.1 port (or ``port``; lifespan on), on the test's event loop; its
    base URL. For tests that need real sockets (WebSocket, SSE); :func:`running` calls an app in-process."""
    import uvicorn

    from deskpilot.embedded import free_port

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: asyncio.sleep(0, server.started), what="the service to listen")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class FakeProvider(Protocol):
    """A local fake of a provider's server: its ASGI app, and where it listens once served."""

    base_url: str

    def app(self) -> Any: ...


FakeT = TypeVar("FakeT", bound=FakeProvider)


@asynccontextmanager
async def serving(fake: FakeT) -> AsyncIterator[FakeT]:
    """``fake`` served on a free 127.0.0.1 port (see :func:`listening`), its ``base_url`` set."""
    async with listening(fake.app()) as base:
        fake.base_url = base
        yield fake


async def outbox_events(runtime: ServiceRuntime, event_type: str | None = None) -> list[Envelope]:
    """Every event the service has committed to its outbox (published or not), oldest first, opened (the table
    holds them sealed)."""
    async with runtime.db.session() as session:
        rows = await session.execute(select(runtime.outbox.c.body).order_by(runtime.outbox.c.seq))
        events = [await runtime.event_log.open(decode(body)) for body in rows.scalars()]
    return [e for e in events if event_type is None or e.type == event_type]


@asynccontextmanager
async def write_scopes(database_url: str, table: str) -> AsyncIterator[Callable[[], Awaitable[list[tuple[str, str]]]]]:
    """While open, PostgreSQL itself records each row inserted into ``table`` (``schema.name``) with the tenant scope
    (``deskpilot.tenant_id``) of the transaction that wrote it; the callable reads ``(tenant_id, scope)`` pairs. A
    trigger, so that the scope is what the database saw, not what our code claims."""
    name = f"scope_probe_{secrets.token_hex(4)}"
    engine = create_async_engine(database_url, poolclass=NullPool)
    setup = [
        f"CREATE TABLE public.{name} (tenant_id text, scope text, seq serial)",
        f"CREATE FUNCTION public.{name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ BEGIN "  # noqa: S608
        f"INSERT INTO public.{name} (tenant_id, scope) "
        f"VALUES (NEW.tenant_id, current_setting('deskpilot.tenant_id', true)); RETURN NEW; END $$",
        f"CREATE TRIGGER {name} AFTER INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION public.{name}()",
    ]

    async def seen() -> list[tuple[str, str]]:
        async with engine.connect() as conn:
            rows = await conn.execute(text(f"SELECT tenant_id, scope FROM public.{name} ORDER BY seq"))  # noqa: S608
            return [(r[0], r[1]) for r in rows]

    try:
        async with engine.begin() as conn:
            for statement in setup:
                await conn.execute(text(statement))
        yield seen
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))
            await conn.execute(text(f"DROP FUNCTION IF EXISTS public.{name}()"))
            await conn.execute(text(f"DROP TABLE IF EXISTS public.{name}"))
        await engine.dispose()


# The demo refund procedure refunds delivered orders within 30 days; the demo store's order 1003 was delivered 10 days
# before the day a tenant's shop is made (libs/demo_store/data.py), so it is refundable whatever day the suite runs.
DEMO_REFUNDABLE_ORDER = "1003"


_COUNTING: ContextVar[list[str] | None] = ContextVar("counting_statements", default=None)


@contextmanager
def database_work(runtime: ServiceRuntime) -> Iterator[list[str]]:
    """Every statement and transaction begun on the service's engine by this task inside the block (``"BEGIN"`` for
    a transaction): the service's own consumers, busy with other tests' events meanwhile, are not counted."""
    seen: list[str] = []

    def statement(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if (counting := _COUNTING.get()) is not None:
            counting.append(sql)

    def begin(_conn: Any) -> None:
        if (counting := _COUNTING.get()) is not None:
            counting.append("BEGIN")

    engine, token = runtime.db.engine.sync_engine, _COUNTING.set(seen)
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "begin", begin)
        _COUNTING.reset(token)


def platform_env(**services: str) -> dict[str, str]:
    """The environment ``deskpilot up`` runs with in tests. The local embedding model is exercised by the knowledge
    tests; here the fast lexical embedder keeps the platform's start and the first article quick. No LLM keys: the
    agent runs the offline model. ``services`` sets ``NATS_URL`` and ``DATABASE_URL``; without them ``deskpilot up``
    starts its own embedded NATS and PostgreSQL."""
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update({"KNOWLEDGE_EMBEDDINGS": "hashing", "ANTHROPIC_API_KEY": "", "OPENAI_API_KEY": ""})
    # The suite drives its platforms like load generators (tests/faults: 32 clients polling on one key, from one
    # address): the gateway's rate limits are lifted here and tested in tests/test_gateway.py.
    env.update(LOAD_GENERATOR_ENV)
    env.update(services)
    return env


def start_platform(
    data_dir: Path, port: int, env: Mapping[str, str], log: Path, *, timeout: float
) -> tuple[subprocess.Popen[bytes], str]:
    """``deskpilot up`` on ``port`` in its own process group, its output in ``log``; returns once ``/healthz``
    answers, with the API key it printed. Fails the test, leaving no process behind, if it exits first or is not
    healthy within ``timeout`` seconds."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskpilot.cli", "up", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"deskpilot up exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"platform not healthy in time:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        match = re.search(r"api key: (\S+)", log.read_text())
        assert match, "deskpilot up printed no api key"
    except BaseException:
        stop_platform(proc)
        raise
    return proc, match.group(1)


def stop_platform(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the platform's process group; SIGKILL if it has not exited within a minute."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:  # the whole group is gone already
        proc.wait()
        return
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class ServiceProcess:
    """One service as its own process (``deskpilot serve <service>``), as the supervisor and Kubernetes run it, so
    that a test can kill it (SIGKILL: no clean shutdown) and start it again. Its output goes to ``log``."""

    def __init__(self, service: str, env: Mapping[str, str], log: Path) -> None:
        from deskpilot.embedded import free_port

        self.service = service
        self.env = dict(env)
        self.log = log
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self) -> subprocess.Popen[bytes]:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "deskpilot.cli",
                "serve",
                self.service,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        return self.proc

    async def start(self, timeout: float = 60.0) -> None:
        """Start it and return once it answers ``/readyz`` (fails the test if it exits or is not ready in time)."""
        proc = self.spawn()

        async def ready() -> bool:
            if proc.poll() is not None:
                pytest.fail(f"{self.service} exited with {proc.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                async with httpx2.AsyncClient(timeout=2) as client:
                    r = await client.get(f"{self.url}/v1/{self.service}/readyz")
            except httpx2.TransportError:
                return False
            return r.status_code == 200

        await eventually(ready, timeout=timeout, what=f"{self.service} to be ready")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


async def issue_analytics_credential(server: EmbeddedNats | None, tenant_id: str, workdir: Path) -> dict[str, str]:
    """``deskpilot analytics-credentials TENANT`` as against ``deskpilot up`` (whose ``runtime.json`` names the
    embedded server's directory and pid), on the suite's NATS: the credential file's contents, once the server has
    reloaded and accepts it. Skips on a server of your own (``NATS_URL``), whose configuration is not ours."""
    if server is None or server.proc is None:
        pytest.skip("NATS_URL names a server whose authorization this suite does not write")
    running: dict[str, object] = {"nats_url": server.url, "nats_credentials_dir": str(server.credentials)}
    running |= {"nats_dir": str(server.dir), "nats_pid": server.proc.pid}
    (workdir / "runtime.json").write_text(json.dumps(running))
    out = workdir / f"{tenant_id}.json"
    command = ["analytics-credentials", tenant_id, "--out", str(out), "--data-dir", str(workdir)]
    assert await asyncio.to_thread(cli.main, command) == 0  # a command runs its own event loop
    issued: dict[str, str] = json.loads(out.read_text())
    assert out.stat().st_mode & 0o077 == 0, "the credential file is the owner's only"

    async def accepted() -> bool:
        try:
            nc = await nats.connect(
                server.url, nkeys_seed_str=issued["nkey_seed"], allow_reconnect=False, connect_timeout=2
            )
        except (nats.errors.Error, OSError):
            return False  # the reload is not done yet
        await nc.close()
        return True

    await eventually(accepted, timeout=15, what="the NATS server to accept the new analytics credential")
    return issued
