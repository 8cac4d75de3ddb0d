"""``deskpilot up``: the whole platform on one machine.

Starts embedded NATS and PostgreSQL unless ``NATS_URL`` / ``DATABASE_URL`` are set, runs each of the six services
as its own process (``deskpilot serve <service>``, restarted if it dies), serves their HTTP APIs on one port
through the gateway, provisions the demo tenant, then runs the web front end (``deskpilot serve web``: the chat
widget, the inbox and the console, a client of the public API on that same port), and stops everything on Ctrl-C
or SIGTERM.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import secrets
import signal
import sys
from pathlib import Path

import httpx2
import uvicorn

from deskpilot.database_roles import provision_service_role
from deskpilot.demo import DemoOwner, DemoWeb, demo_origins, demo_tenant_usable, set_up_demo
from deskpilot.embedded import EmbeddedNats, EmbeddedPostgres, StreamsInBothAccounts, free_port
from deskpilot.gateway import Gateway
from deskpilot.gateway_limits import GatewaySettings, gateway_middleware
from deskpilot.http_server import Server
from deskpilot.tenants import NewTenant, demo_tenant
from libs.events import EventLog
from libs.platform import nats_auth
from libs.platform.selfcheck import EXIT_DATABASE_UNFIT, DatabaseUnfit, check_database

SERVICES = ("conversation", "agent", "integrations", "knowledge", "ticketing", "billing")
"""Every service, each run as ``deskpilot serve <name>`` from ``services.<name>.app:create_app``."""
WEB = "web"
"""The web front end, run as ``deskpilot serve web`` from ``web.app:create_app``: not a service (it owns no data,
consumes no events), a client of the services' public API."""


class _QuietServer(Server):
    """The gateway's server; signals belong to the supervisor, which stops everything in order."""

    def capture_signals(self) -> contextlib.AbstractContextManager[None]:  # type: ignore[override]
        return contextlib.nullcontext()


def say(text: str) -> None:
    print(text, flush=True)


class RestartBackoff:
    """How long to wait before restarting a process that died: doubling from ``first`` up to ``cap`` while it keeps
    crashing, and back to ``first`` once a run lasted ``healthy_after`` seconds (as Kubernetes resets CrashLoopBackOff
    after ten minutes of running), so that crashes far apart are each restarted at once."""

    def __init__(self, first: float = 0.5, cap: float = 10.0, healthy_after: float = 60.0) -> None:
        self.first, self.cap, self.healthy_after = first, cap, healthy_after
        self._next = first

    def delay(self, ran_for: float) -> float:
        """The wait before the next start, after a run that lasted ``ran_for`` seconds."""
        if ran_for >= self.healthy_after:
            self._next = self.first
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        return delay


def database_unfit(database_url: str) -> str | None:
    """Why the database cannot serve the platform (one sentence), or None: the self-check of
    :mod:`libs.platform.selfcheck`, run before any service starts."""
    try:
        asyncio.run(check_database(database_url))
    except DatabaseUnfit as unfit:
        return str(unfit)
    return None


class ServiceProcess:
    """One service child process, its output prefixed with its name, restarted with backoff if it dies; not
    restarted when it exits with ``EXIT_DATABASE_UNFIT`` (restarting cannot help): ``unfit`` is set instead."""

    def __init__(self, name: str, port: int, env: dict[str, str]) -> None:
        self.name, self.port, self.env = name, port, env
        self.proc: asyncio.subprocess.Process | None = None
        self.stopping = False
        self.backoff = RestartBackoff()
        self.unfit = False
        self.halt: asyncio.Event | None = None
        """Set when the process exits unfit: the supervisor stops the whole platform."""

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "deskpilot.cli",
            "serve",
            self.name,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while not self.stopping:
            started = loop.time()
            await self.start()
            assert self.proc is not None
            assert self.proc.stdout is not None
            async for line in self.proc.stdout:
                sys.stdout.write(f"[{self.name}] {line.decode(errors='replace')}")
                sys.stdout.flush()
            code = await self.proc.wait()
            if self.stopping:
                return
            if code == EXIT_DATABASE_UNFIT:
                say(f"[supervisor] {self.name} refused to start: its database failed the self-check (above)")
                self.unfit = True
                if self.halt is not None:
                    self.halt.set()
                return
            delay = self.backoff.delay(loop.time() - started)
            say(f"[supervisor] {self.name} exited with code {code}; restarting in {delay:.1f}s")
            await asyncio.sleep(delay)

    async def stop(self) -> None:
        self.stopping = True
        if self.proc and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 15)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    self.proc.kill()
                await self.proc.wait()


async def _wait_until(check: object, what: str, timeout: float) -> None:
    assert callable(check)
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what} not ready after {timeout:.0f}s")
        await asyncio.sleep(0.1)


VAULT_MASTER_KEYS = "DESKPILOT_VAULT_MASTER_KEYS"
DEV_VAULT_KEY_FILE = "vault-master.key"


def dev_vault_env(data_dir: Path) -> dict[str, str]:
    """Without a configured vault master key, a development key kept in ``<data-dir>/vault-master.key`` (mode
    600, created once) so ``deskpilot up`` works out of the box; production sets ``DESKPILOT_VAULT_MASTER_KEYS``."""
    if os.environ.get(VAULT_MASTER_KEYS):
        return {}
    path = data_dir / DEV_VAULT_KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"dev1:{base64.b64encode(os.urandom(32)).decode()}\n")
    return {VAULT_MASTER_KEYS: path.read_text().strip()}


def web_env(host: str, port: int, widget_key: str) -> dict[str, str]:
    """The web front end's demo widget key, and where browsers reach ``up``'s gateway (single sign-on's redirect URI:
    the gateway does not pass ``Host`` on)."""
    public = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"
    return {"DESKPILOT_WEB_DEMO_WIDGET_KEY": widget_key, "DESKPILOT_WEB_PUBLIC_URL": public}


OPERATOR_KEY = "DESKPILOT_OPERATOR_KEY"
DEV_OPERATOR_KEY_FILE = "operator.key"


def dev_operator_env(data_dir: Path) -> dict[str, str]:
    """The operator API's key: ``DESKPILOT_OPERATOR_KEY`` as configured, else one generated once and kept in
    ``<data-dir>/operator.key`` (mode 600), so that ``deskpilot up`` has an operator API out of the box."""
    if os.environ.get(OPERATOR_KEY):
        return {OPERATOR_KEY: os.environ[OPERATOR_KEY]}
    path = data_dir / DEV_OPERATOR_KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"dpo_{secrets.token_urlsafe(32)}\n")
    return {OPERATOR_KEY: path.read_text().strip()}


def _gateway_server(host: str, port: int, upstreams: dict[str, str]) -> tuple[Gateway, _QuietServer]:
    """The gateway with its limits and security headers (``deskpilot.gateway_limits``), and its server."""
    limits = GatewaySettings()
    gateway = Gateway(upstreams, middleware=gateway_middleware(limits))
    # uvicorn refuses a bigger frame itself (1009) before buffering it; the middleware holds under any server.
    config = uvicorn.Config(
        gateway, host=host, port=port, log_level="warning", lifespan="on", ws_max_size=limits.max_ws_frame_bytes
    )
    return gateway, _QuietServer(config)


async def run_platform(host: str, port: int, data_dir: Path, nats_url: str, database_url: str) -> int:
    """Run until Ctrl-C or SIGTERM (0), or until a service refuses its database (``EXIT_DATABASE_UNFIT``).
    ``database_url``: the owner's; the services connect as their own role (``deskpilot/database_roles.py``)."""
    nc = await nats_auth.connect(nats_url)
    log = EventLog(nc)
    await log.ensure_streams(int(os.environ.get("DESKPILOT_STREAM_REPLICAS", "1")))

    env = {**os.environ, "NATS_URL": nats_url, "PYTHONUNBUFFERED": "1", **await _database_env(database_url)}
    env.update(dev_vault_env(data_dir))
    env.update(dev_operator_env(data_dir))
    children = [ServiceProcess(name, free_port(), env) for name in SERVICES]
    web = ServiceProcess(WEB, free_port(), env)
    _record_services(data_dir, [*children, web])
    gateway, server = _gateway_server(host, port, {c.name: f"http://127.0.0.1:{c.port}" for c in [*children, web]})

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    for child in [*children, web]:
        child.halt = stop

    tasks = [asyncio.create_task(c.run(), name=c.name) for c in children]
    tasks.append(asyncio.create_task(server.serve(), name="gateway"))
    try:
        async with httpx2.AsyncClient(timeout=5) as client:
            ready = asyncio.create_task(_wait_until(_services_ready(client, children), "services", 300))
            await asyncio.wait([ready, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                return _exit_code(children)
            ready.result()
            tenant = await demo_tenant(log, data_dir)
            await _wait_until(_tenant_usable(children, tenant), "demo tenant", 300)
            urls = {c.name: f"http://127.0.0.1:{c.port}" for c in children}
            demo, owner = await set_up_demo(urls, tenant.api_key, data_dir, demo_origins(host, port))
            # The web front end calls the public API where a browser would: through this gateway.
            web.env = {
                **env,
                "DESKPILOT_WEB_API_URL": f"http://127.0.0.1:{port}",
                **web_env(host, port, demo.widget_key),
            }
            children.append(web)
            tasks.append(asyncio.create_task(web.run(), name=WEB))
            await _wait_until(_web_ready(client, web), "web front end", 120)
        gateway.ready = True
        _banner(host, port, data_dir, tenant, demo, owner, nats_url, database_url, env[OPERATOR_KEY])
        await stop.wait()
    finally:
        say("[supervisor] stopping…")
        await asyncio.gather(*(c.stop() for c in children))
        server.should_exit = True
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 15)
        await nc.close()
    return _exit_code(children)


def _exit_code(children: list[ServiceProcess]) -> int:
    return EXIT_DATABASE_UNFIT if any(c.unfit for c in children) else 0


async def _database_env(owner_url: str) -> dict[str, str]:
    """The services' ``DATABASE_URL`` (their own role) and ``DATABASE_OWNER_URL`` (migrations)."""
    if os.environ.get("DATABASE_OWNER_URL") and os.environ.get("DATABASE_URL"):  # the operator named both roles
        return {"DATABASE_URL": os.environ["DATABASE_URL"], "DATABASE_OWNER_URL": os.environ["DATABASE_OWNER_URL"]}
    service_url = await provision_service_role(owner_url)
    if service_url is None:
        return {"DATABASE_URL": owner_url}
    return {"DATABASE_URL": service_url, "DATABASE_OWNER_URL": owner_url}


def _record_services(data_dir: Path, processes: list[ServiceProcess]) -> None:
    """Each process's own address in ``runtime.json`` (``services``): where its ``/metrics`` is scraped, which the
    gateway does not route."""
    path = data_dir / "runtime.json"
    runtime = json.loads(path.read_text()) if path.exists() else {}
    runtime["services"] = {p.name: f"http://127.0.0.1:{p.port}" for p in processes}
    path.write_text(json.dumps(runtime))


def _services_ready(client: httpx2.AsyncClient, children: list[ServiceProcess]) -> object:
    async def check() -> bool:
        for c in children:
            try:
                r = await client.get(f"http://127.0.0.1:{c.port}/v1/{c.name}/readyz")
            except httpx2.TransportError:
                return False
            if r.status_code != 200:
                return False
        return True

    return check


def _web_ready(client: httpx2.AsyncClient, web: ServiceProcess) -> object:
    async def check() -> bool:
        try:
            return (await client.get(f"http://127.0.0.1:{web.port}/web/healthz")).status_code == 200
        except httpx2.TransportError:
            return False

    return check


def _tenant_usable(children: list[ServiceProcess], tenant: NewTenant) -> object:
    urls = {c.name: f"http://127.0.0.1:{c.port}" for c in children}

    async def check() -> bool:
        return await demo_tenant_usable(urls, tenant.api_key)

    return check


def _banner(
    host: str,
    port: int,
    data_dir: Path,
    tenant: NewTenant,
    demo: DemoWeb,
    owner: DemoOwner,
    nats_url: str,
    database_url: str,
    operator_key: str,
) -> None:
    base = f"http://{host}:{port}"
    say("")
    say(f"Deskpilot is running at {base}  (health: {base}/healthz)")
    say(f"  services: {', '.join(SERVICES)} — separate processes, talking only through NATS")
    say(f"  NATS: {nats_url}   PostgreSQL: {database_url.split('?', maxsplit=1)[0]}   data: {data_dir}")
    say(f"  demo tenant: {tenant.tenant_id}")
    say(f"  api key: {tenant.api_key}")
    say(f"  widget key: {demo.widget_key}  (allowed origins: {', '.join(demo.allowed_origins)})")
    say(f"  chat widget demo: {base}/widget/demo   inbox: {base}/inbox   console: {base}/console")
    say(f"  sign in as: {owner.email}  password: {owner.password}  (the demo owner; kept in {data_dir})")
    say(f"  operator key: {operator_key}  (only for the operator API: {base}/v1/operator/dead-letters)")
    say("  try:")
    say(f'    curl -s -X POST {base}/v1/conversations -H "Authorization: Bearer {tenant.api_key}"')
    say("  Ctrl-C stops everything.")
    say("")


def _nats_auth(embedded: EmbeddedNats | None) -> dict[str, object]:
    """What ``runtime.json`` tells the commands about the embedded NATS: where the operator's credential is, and
    the server's pid (``deskpilot analytics-credentials`` asks it to reload)."""
    if embedded is None or embedded.proc is None:
        return {}
    return {
        "nats_credentials_dir": str(embedded.credentials),
        "nats_dir": str(embedded.dir),
        "nats_pid": embedded.proc.pid,
    }


def up(host: str, port: int, data_dir: Path) -> int:
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded_nats = embedded_pg = None
    try:
        nats_url = os.environ.get("NATS_URL", "")
        if not nats_url:
            embedded_nats = EmbeddedNats(data_dir, auth=True)
            try:
                nats_url = embedded_nats.start()
            except StreamsInBothAccounts as exc:
                print(f"deskpilot up: {exc}", file=sys.stderr, flush=True)
                return 1
            # every process of the platform (and the commands run against it) authenticates with its own nkey
            os.environ[nats_auth.CREDENTIALS_DIR] = str(embedded_nats.credentials)
            say(f"[supervisor] embedded NATS JetStream at {nats_url} (clients authenticate: nkeys)")
            if embedded_nats.moved_streams:
                say("[supervisor] the data dir's streams moved to the NATS account LOG (docs/decisions/0051)")
        database_url = os.environ.get("DATABASE_OWNER_URL") or os.environ.get("DATABASE_URL", "")
        if not database_url:
            embedded_pg = EmbeddedPostgres(data_dir)
            database_url = embedded_pg.start()
            say("[supervisor] embedded PostgreSQL with pgvector started")
        unfit = database_unfit(database_url)
        if unfit:
            print(f"deskpilot up: {unfit}", file=sys.stderr, flush=True)
            return EXIT_DATABASE_UNFIT
        say("[supervisor] database self-check passed: pgvector works on this CPU")
        (data_dir / "runtime.json").write_text(
            json.dumps({"nats_url": nats_url, "database_url": database_url, **_nats_auth(embedded_nats)})
        )
        code = asyncio.run(run_platform(host, port, data_dir, nats_url, database_url))
    finally:
        (data_dir / "runtime.json").unlink(missing_ok=True)
        if embedded_pg:
            embedded_pg.stop()
        if embedded_nats:
            embedded_nats.stop()
    say("[supervisor] stopped")
    return code
