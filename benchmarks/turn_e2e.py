"""A turn end to end, as a user of the public API sees it: the headline figure of the platform.

    .venv/bin/python benchmarks/turn_e2e.py [--model-ms 0] [--sequential 100] [--concurrency 16 64] [--messages 5]
                                            [--runs 1] [--profile DIR]

Starts ``deskpilot up`` (every service its own process, the one-port gateway) on an embedded NATS JetStream and
PostgreSQL, with the agent talking to a local server that speaks Anthropic's Messages wire protocol through the
real ``anthropic`` SDK (``tests/fakes/shop_model.py``: a tool call, then the final text; zero latency unless
``--model-ms``). The client uses only the public API: a widget key, ``POST /v1/conversations/chat``, the chat
WebSocket for what is pushed, ``POST …/messages`` to talk, ``GET /v1/conversations/{id}`` and ``…/events`` to look.

Printed, in one run:
* the raw JetStream round trip on the same server (publish → pull consumer → ack, sequential), and the turn budget
  it allows: raw round trips/s divided by the events a turn appends;
* sequential turns: POST → first push of the reply to the subscribed client (the first streamed token, or the
  reply itself), POST → ``agent.replied`` pushed, and POST → reply visible in ``GET``; p50/p95/p99;
* throughput with N concurrent conversations x M *different* messages each (the next after the reply):
  turns/s, p50/p99 POST → reply, share of the raw budget;
* stuck turns (no reply within 10 s) and duplicate event ids, found by reading every conversation's log afterwards;
* CPU milliseconds per turn of each process (from ``/proc``), during the throughput runs, and the system calls per
  turn of each (``perf stat``; unlike CPU time, they do not depend on how busy the machine is); both net of what
  each process spends idle (measured for a few seconds before each run), which a slow run would otherwise spread
  over fewer turns, and counted until the processes are idle again (turns a busy machine finishes late included),
  per turn accepted.

Targets (issue "a turn end to end through the public API"): sequential p50 ≤ 15 ms and p99 ≤ 40 ms to the first
push; 16 concurrent ≥ 100 turns/s with p99 ≤ 300 ms; 64 concurrent without errors; 0 stuck, 0 duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx2
import nats
import profile_layers
import psutil
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig
from websockets.asyncio.client import ClientConnection, connect

from deskpilot.embedded import EmbeddedNats, EmbeddedPostgres, free_port
from deskpilot.gateway_limits import LOAD_GENERATOR_ENV

ROOT = Path(__file__).resolve().parent.parent
STUCK_AFTER_S = 10.0
IDLE_S = 5.0
ORIGIN = "https://shop.example"
QUESTIONS = (
    "where is my order #1001?",
    "and what about order 1002?",
    "has #1003 shipped yet?",
    "can you check order 1004 for me?",
    "one more: where is #1001 now?",
    "and #1002, please?",
    "what is the status of order 1003?",
    "thanks! last one, #1004?",
)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def raw_round_trip(nats_url: str, n: int = 500) -> tuple[float, float]:
    """Sequential JetStream publish → pull consumer → ack on a file stream of the same server: (p50 ms, per s)."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await js.add_stream(StreamConfig(name="BENCH_RAW", subjects=["bench.raw"], storage=StorageType.FILE))
    sub = await js.pull_subscribe(
        "bench.raw", durable="raw", stream="BENCH_RAW", config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT)
    )
    times: list[float] = []
    start = time.perf_counter()
    for i in range(n):
        t0 = time.perf_counter()
        await js.publish("bench.raw", b"x" * 300, stream="BENCH_RAW", headers={"Nats-Msg-Id": f"raw-{i}"})
        (msg,) = await sub.fetch(1, timeout=5)
        await msg.ack()
        times.append((time.perf_counter() - t0) * 1000)
    rate = n / (time.perf_counter() - start)
    await js.delete_stream("BENCH_RAW")
    await nc.close()
    return statistics.median(times), rate


@dataclass
class Turn:
    posted: float
    status: int = 0
    first_push: float | None = None
    replied: float | None = None
    visible: float | None = None


@dataclass
class Chat:
    """One widget conversation: its WebSocket, and what it pushed since the last message."""

    cid: str
    token: str
    socket: ClientConnection
    first_push: asyncio.Future[float] | None = None
    replied: asyncio.Future[float] | None = None
    reader: asyncio.Task[None] | None = None
    seen_positions: set[int] = field(default_factory=set)

    def expect(self) -> None:
        loop = asyncio.get_running_loop()
        self.first_push, self.replied = loop.create_future(), loop.create_future()

    async def read(self) -> None:
        async for raw in self.socket:
            frame = json.loads(raw)
            now = time.perf_counter()
            reply = frame.get("kind") == "delta" or (frame.get("kind") == "event" and frame.get("role") == "ai")
            if reply and self.first_push is not None and not self.first_push.done():
                self.first_push.set_result(now)
            if frame.get("type") in ("agent.replied", "handoff.requested") and self.replied and not self.replied.done():
                self.replied.set_result(now)


class Platform:
    """``deskpilot up`` on embedded servers, with the Anthropic-wire model server, for the length of the run."""

    def __init__(self, work: Path, model_ms: float, root: Path = ROOT) -> None:
        self.work = work
        self.root = root  # the checkout whose platform and model server run (``turn_ab.py`` runs two)
        self.model_ms = model_ms
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.nats = EmbeddedNats(work)
        self.pg = EmbeddedPostgres(work)
        self.procs: list[subprocess.Popen[bytes]] = []
        self.api_key = ""

    def start(self) -> None:
        # `deskpilot up` runs in a session of its own (a Ctrl-C to the terminal must not reach it unordered): a
        # SIGTERM to this benchmark ends the run as Ctrl-C does, so that ``stop`` still stops what started here.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        nats_url, db_url = self.nats.start(), self.pg.start()
        self.nats_url = nats_url
        model = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.shop_model", "--model-ms", str(self.model_ms)],
            cwd=self.root,
            stdout=subprocess.PIPE,
        )
        self.model = model
        self.procs.append(model)
        assert model.stdout is not None
        model_url = model.stdout.readline().decode().strip()
        if not model_url:
            raise RuntimeError("the model server did not start")
        env = {
            **os.environ,
            "NATS_URL": nats_url,
            "DATABASE_URL": db_url,
            "ANTHROPIC_API_KEY": "sk-bench",
            "ANTHROPIC_BASE_URL": model_url,
            "KNOWLEDGE_EMBEDDINGS": "hashing",
            "DESKPILOT_LOG_LEVEL": "WARNING",
            # one client address drives every conversation: lift the per-address widget limits
            "DESKPILOT_WIDGET_IP_CONVERSATIONS_PER_MINUTE": "100000",
            "DESKPILOT_WIDGET_IP_CONVERSATION_BURST": "100000",
            "DESKPILOT_WIDGET_IP_MESSAGES_PER_MINUTE": "100000",
            "DESKPILOT_WIDGET_IP_MESSAGE_BURST": "100000",
            "DESKPILOT_WIDGET_KEY_MESSAGES_PER_MINUTE": "100000",
            "DESKPILOT_WIDGET_KEY_MESSAGE_BURST": "100000",
            **LOAD_GENERATOR_ENV,  # and the gateway's (deskpilot/gateway_limits.py)
        }
        log = (self.work / "up.log").open("wb")
        up = subprocess.Popen(
            [sys.executable, "-m", "deskpilot.cli", "up", "--port", str(self.port), "--data-dir", str(self.work)],
            cwd=self.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs.append(up)
        deadline = time.monotonic() + 240
        while not (match := re.search(r"api key: (\S+)", (self.work / "up.log").read_text(errors="replace"))):
            if up.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("deskpilot up did not start:\n" + (self.work / "up.log").read_text()[-3000:])
            time.sleep(0.2)
        self.api_key = match.group(1)
        self.up = up

    def processes(self) -> dict[str, psutil.Process]:
        """The platform's processes by role: supervisor+gateway, and each service."""
        root = psutil.Process(self.up.pid)
        out = {"gateway": root}
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                cmd = child.cmdline()
                if "serve" in cmd:
                    out[cmd[cmd.index("serve") + 1]] = child
        return out

    def servers(self) -> dict[str, list[psutil.Process]]:
        """What serves the platform on the same machine but is not the platform: nats-server, every PostgreSQL
        process (postmaster and backends), the fake model and this benchmark's own client."""
        assert self.nats.proc is not None
        nats_proc = psutil.Process(self.nats.proc.pid)
        pg = [p for p in psutil.process_iter(["cmdline"]) if str(self.pg.dir) in " ".join(p.info["cmdline"] or [])]
        pg_all = pg + [c for p in pg for c in p.children(recursive=True)]
        return {
            "nats-server": [nats_proc],
            "postgres": list({p.pid: p for p in pg_all}.values()),
            "model": [psutil.Process(self.model.pid)],
            "client": [psutil.Process()],
        }

    def stop(self) -> None:
        for proc in reversed(self.procs):
            with contextlib.suppress(ProcessLookupError):
                if proc is getattr(self, "up", None):
                    os.killpg(proc.pid, signal.SIGTERM)
                else:
                    proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(60)
        self.pg.stop()
        self.nats.stop()


class Profiles:
    """``py-spy record`` attached to each process for one throughput run (``--profile DIR``; py-spy installed): raw
    collapsed stacks per process, to read with any flame-graph tool or ``sort``."""

    def __init__(self, procs: dict[str, psutil.Process], out: Path | None, label: str) -> None:
        self._spies: list[subprocess.Popen[bytes]] = []
        # py-spy is a dev dependency (constraints.txt): in the venv beside this interpreter, or on PATH
        spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
        if out is None or spy is None:
            return
        out.mkdir(parents=True, exist_ok=True)
        for name, proc in procs.items():
            # --nonblocking: py-spy reads the process without pausing it (pausing 200 times a second cut the
            # throughput it measured from ~60 to ~17 turns/s); 100 samples a second
            record = [spy, "record", "-r", "100", "--nonblocking", "-f", "raw"]
            cmd = [*record, "-o", str(out / f"{label}-{name}.txt"), "-p", str(proc.pid)]
            self._spies.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))

    def stop(self) -> None:
        for spy in self._spies:
            spy.send_signal(signal.SIGINT)
        for spy in self._spies:
            with contextlib.suppress(subprocess.TimeoutExpired):
                spy.wait(30)


class SyscallCount:
    """System calls each process makes, counted in the kernel (``perf stat -e raw_syscalls:sys_enter``). Unlike CPU
    time, the count does not depend on how busy the machine is: it is the round trips a turn costs. None where perf
    cannot count here."""

    def __init__(self, procs: dict[str, psutil.Process]) -> None:
        self._perf: dict[str, subprocess.Popen[str]] = {}
        if shutil.which("perf") is None:
            return
        for name, proc in procs.items():
            self._perf[name] = subprocess.Popen(
                ["perf", "stat", "-x,", "-e", "raw_syscalls:sys_enter", "-p", str(proc.pid)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )

    def stop(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for name, perf in self._perf.items():
            perf.send_signal(signal.SIGINT)
            _, err = perf.communicate(timeout=30)
            for line in err.splitlines():
                fields = line.split(",")
                if len(fields) > 2 and "raw_syscalls" in line and fields[0].strip().isdigit():
                    out[name] = int(fields[0])
        return out


def _cpu_ms_of(proc: psutil.Process) -> float | None:
    """CPU-ms so far of ``proc``; None once it is gone."""
    try:
        t = proc.cpu_times()
    except psutil.Error:
        return None
    return (t.user + t.system) * 1000


def cpu_ms(procs: dict[str, psutil.Process]) -> dict[str, float]:
    """CPU-ms so far of each process, the ones gone left out."""
    return {name: ms for name, proc in procs.items() if (ms := _cpu_ms_of(proc)) is not None}


def group_cpu_ms(groups: dict[str, list[psutil.Process]]) -> dict[str, float]:
    """CPU-ms so far of each group of processes, the ones gone left out."""
    return {name: sum(ms for p in procs if (ms := _cpu_ms_of(p)) is not None) for name, procs in groups.items()}


def machine_busy_ms() -> float:
    t = psutil.cpu_times()
    return (t.user + t.nice + t.system + t.irq + t.softirq + t.steal) * 1000


def readings(procs: dict[str, psutil.Process], servers: dict[str, list[psutil.Process]]) -> dict[str, float]:
    """CPU-ms so far: each platform process by its role, what serves beside it as ``beside:<name>``, and the whole
    machine as ``machine`` (busy time from ``/proc/stat``)."""
    beside = {f"beside:{name}": ms for name, ms in group_cpu_ms(servers).items()}
    return {**cpu_ms(procs), **beside, "machine": machine_busy_ms()}


class Client:
    def __init__(self, platform: Platform, http: httpx2.AsyncClient, widget_key: str) -> None:
        self.platform = platform
        self.http = http
        self.widget_key = widget_key
        self.tenant_headers = {"Authorization": f"Bearer {platform.api_key}"}

    async def open(self) -> Chat:
        r = await self.http.post(
            "/v1/conversations/chat", headers={"X-Widget-Key": self.widget_key, "Origin": ORIGIN}, json={}
        )
        r.raise_for_status()
        body = r.json()
        ws_url = self.platform.base.replace("http", "ws", 1) + (
            f"/v1/conversations/chat/{body['conversation_id']}/ws"
            f"?key={self.widget_key}&token={body['client_token']}&after={body['position']}"
        )
        socket = await connect(ws_url, origin=ORIGIN, max_size=2**22)  # type: ignore[arg-type]
        chat = Chat(body["conversation_id"], body["client_token"], socket)
        chat.reader = asyncio.create_task(chat.read())
        return chat

    async def say(self, chat: Chat, text: str, *, poll_get: bool = False) -> Turn:
        chat.expect()
        assert chat.first_push is not None
        assert chat.replied is not None
        turn = Turn(time.perf_counter())
        r = await self.http.post(
            f"/v1/conversations/chat/{chat.cid}/messages",
            headers={"X-Widget-Key": self.widget_key, "X-Client-Token": chat.token, "Origin": ORIGIN},
            json={"text": text},
        )
        turn.status = r.status_code
        if r.status_code != 202:
            return turn
        try:
            if poll_get:
                turn.visible = await self._visible(chat.cid, r.json()["position"])
            turn.first_push = await asyncio.wait_for(asyncio.shield(chat.first_push), STUCK_AFTER_S)
            turn.replied = await asyncio.wait_for(asyncio.shield(chat.replied), STUCK_AFTER_S)
        except TimeoutError:
            pass
        return turn

    async def _visible(self, cid: str, after: int) -> float | None:
        """Poll ``GET /v1/conversations/{id}`` until the AI's reply after position ``after`` is in the transcript."""
        deadline = time.perf_counter() + STUCK_AFTER_S
        while time.perf_counter() < deadline:
            r = await self.http.get(f"/v1/conversations/{cid}", headers=self.tenant_headers)
            if any(line["position"] > after and line["role"] == "ai" for line in r.json()["transcript"]):
                return time.perf_counter()
            await asyncio.sleep(0.001)
        return None

    async def event_ids(self, cid: str) -> list[str]:
        r = await self.http.get(f"/v1/conversations/{cid}/events", headers=self.tenant_headers)
        r.raise_for_status()
        return [e["id"] for e in r.json()["events"]]


def ms(a: float | None, b: float) -> float | None:
    return None if a is None else (a - b) * 1000


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="deskpilot-turn-e2e-") as tmp:
        platform = Platform(Path(tmp), args.model_ms)
        try:
            platform.start()
            await measure(platform, args)
        finally:
            platform.stop()


async def measure(platform: Platform, args: argparse.Namespace) -> None:
    raw_p50, raw_rate = await raw_round_trip(platform.nats_url)
    limits = httpx2.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx2.AsyncClient(base_url=platform.base, timeout=30, limits=limits) as http:
        tenant = {"Authorization": f"Bearer {platform.api_key}"}
        (await http.put("/v1/billing/plan", headers=tenant, json={"plan": "enterprise"})).raise_for_status()
        r = await http.post("/v1/conversations/widget-keys", headers=tenant, json={"allowed_origins": [ORIGIN]})
        r.raise_for_status()
        client = Client(platform, http, r.json()["widget_key"])
        chats: list[Chat] = []

        # Warm up: every process has loaded what it needs and opened its connections.
        warm = await client.open()
        chats.append(warm)
        for text in QUESTIONS[:3]:
            await client.say(warm, text)

        chat = await client.open()
        chats.append(chat)
        sequential: list[Turn] = []
        for i in range(args.sequential):
            if i and i % 5 == 0:
                chat = await client.open()
                chats.append(chat)
            sequential.append(await client.say(chat, QUESTIONS[i % 5], poll_get=False))
        visible: list[Turn] = []
        chat = await client.open()
        chats.append(chat)
        for i in range(min(30, args.sequential)):
            if i and i % 5 == 0:
                chat = await client.open()
                chats.append(chat)
            visible.append(await client.say(chat, QUESTIONS[i % 5], poll_get=True))

        events_per_turn = await _events_per_turn(client, chats[1])
        budget = raw_rate / events_per_turn
        _print_sequential(args, raw_p50, raw_rate, events_per_turn, sequential, visible)
        stuck = sum(1 for t in sequential + visible if t.status == 202 and t.replied is None)
        errors = sum(1 for t in sequential + visible if t.status != 202)
        await _throughput(client, platform, args, budget, chats, stuck, errors)


def _print_sequential(
    args: argparse.Namespace,
    raw_p50: float,
    raw_rate: float,
    events_per_turn: int,
    sequential: list[Turn],
    visible: list[Turn],
) -> None:
    budget = raw_rate / events_per_turn
    print(f"\nturn_e2e — model latency {args.model_ms:.0f} ms; {os.cpu_count()} cores")
    print(f"raw JetStream round trip (publish → pull → ack, sequential): p50 {raw_p50:.2f} ms, {raw_rate:,.0f}/s")
    print(f"events per turn: {events_per_turn}; raw budget {budget:,.0f} turns/s")
    print("\nsequential, one conversation at a time            p50      p95      p99   (ms)")
    for label, values in (
        ("POST → first push (WebSocket)", [ms(t.first_push, t.posted) for t in sequential]),
        ("POST → agent.replied pushed", [ms(t.replied, t.posted) for t in sequential]),
        ("POST → reply visible in GET", [ms(t.visible, t.posted) for t in visible]),
    ):
        got = [v for v in values if v is not None]
        print(f"  {label:<44}{pct(got, 50):8.1f} {pct(got, 95):8.1f} {pct(got, 99):8.1f}")


async def _throughput(
    client: Client,
    platform: Platform,
    args: argparse.Namespace,
    budget: float,
    chats: list[Chat],
    stuck: int,
    errors: int,
) -> None:
    print(f"\nconcurrent conversations x {args.messages} different messages")
    print("  conversations   turns/s   p50 ms   p99 ms   budget   errors   stuck   CPU-ms per turn")
    for n in args.concurrency:
        figures, new_chats = await _concurrent(client, platform, n, args.messages, args.profile)
        chats.extend(new_chats)
        stuck += figures.stuck
        errors += figures.errors
        cpu = f"total {sum(figures.cpu.values()):.1f} = " + "  ".join(f"{k} {v:.1f}" for k, v in figures.cpu.items())
        print(
            f"  {n:>13} {figures.rate:9.1f} {figures.p50:8.1f} {figures.p99:8.1f}"
            f" {figures.rate / budget:8.1%} {figures.errors:8d} {figures.stuck:7d}   {cpu}"
        )
        if figures.syscalls:
            calls = "  ".join(f"{k} {v:.0f}" for k, v in figures.syscalls.items())
            total = sum(figures.syscalls.values())
            print(f"  {'':>13} system calls per turn (load-independent): {total:.0f} = {calls}")
        print(f"  {'':>13} idle cost subtracted from both: {figures.idle_cpu:.1f} CPU-ms/s over all processes")
        outside = "  ".join(f"{k} {v:.1f}" for k, v in figures.outside.items())
        print(f"  {'':>13} beside the platform, CPU-ms per turn: {outside}")
        print(f"  {'':>13} the whole machine: {figures.machine:.1f} CPU-ms per turn")
        if args.profile is not None:
            print(f"  {'':>13} the platform's CPU-ms per turn by library (py-spy, benchmarks/profile_layers.py):")
            for line in profile_layers.lines(profile_layers.weighted(args.profile, f"c{n}", figures.cpu)):
                print(f"  {'':>15}{line}")

    duplicates = 0
    for c in chats:
        ids = await client.event_ids(c.cid)
        duplicates += sum(n - 1 for n in Counter(ids).values() if n > 1)
        if c.reader is not None:
            c.reader.cancel()
        await c.socket.close()
    print(f"\nstuck turns (no reply within {STUCK_AFTER_S:.0f} s): {stuck}   errors: {errors}")
    print(f"duplicate event ids across {len(chats)} conversations: {duplicates}")


async def _events_per_turn(client: Client, chat: Chat) -> int:
    ids = await client.event_ids(chat.cid)
    return max(1, round((len(ids) - 1) / 5))


@dataclass(frozen=True)
class Throughput:
    rate: float
    p50: float
    p99: float
    errors: int
    stuck: int
    cpu: dict[str, float]
    syscalls: dict[str, float]
    idle_cpu: float  # CPU-ms per second of all processes with nothing to do (sweeps, fetch polls), subtracted
    outside: dict[str, float]  # CPU-ms per turn of nats-server, PostgreSQL, the fake model, the client
    machine: float  # CPU-ms per turn of the whole machine (everything busy, from /proc/stat)


async def _quiesce(procs: dict[str, psutil.Process], idle: float, limit_s: float = 180.0) -> None:
    """Wait (at most ``limit_s``) until the processes together spend no more than their idle rate again (with a
    margin): the turns still in flight when the client stopped waiting are done."""
    deadline = time.perf_counter() + limit_s
    last = sum(cpu_ms(procs).values())
    while time.perf_counter() < deadline:
        await asyncio.sleep(1.0)
        now = sum(cpu_ms(procs).values())
        if now - last <= 1.5 * idle + 20:
            return
        last = now


async def _idle_rates(
    procs: dict[str, psutil.Process], servers: dict[str, list[psutil.Process]], seconds: float = IDLE_S
) -> tuple[dict[str, float], dict[str, float]]:
    """CPU-ms (``readings``) and system calls per second of each process while no turn runs (background sweeps,
    idle fetches), so that the figures per turn count the turns' own cost, not the idle cost spread over however
    many turns the machine's load allowed in the run."""
    before = readings(procs, servers)
    calls = SyscallCount(procs)
    await asyncio.sleep(seconds)
    counted = calls.stop()
    after = readings(procs, servers)
    return (
        {k: (after[k] - before.get(k, 0.0)) / seconds for k in after},
        {k: v / seconds for k, v in counted.items()},
    )


async def _concurrent(
    client: Client, platform: Platform, n: int, messages: int, profile: Path | None = None
) -> tuple[Throughput, list[Chat]]:
    chats = [await client.open() for _ in range(n)]
    procs = platform.processes()
    servers = platform.servers()
    idle, idle_calls = await _idle_rates(procs, servers)
    idle_cpu = {k: idle[k] for k in procs if k in idle}
    before = readings(procs, servers)
    syscalls = SyscallCount(procs)
    profiles = Profiles(procs, profile, f"c{n}")
    start = time.perf_counter()

    async def talk(chat: Chat, offset: int) -> list[Turn]:
        return [await client.say(chat, QUESTIONS[(offset + i) % len(QUESTIONS)]) for i in range(messages)]

    turns = [t for ts in await asyncio.gather(*(talk(c, i) for i, c in enumerate(chats))) for t in ts]
    elapsed = time.perf_counter() - start
    # The cost of every accepted turn, also of those that finish late on a busy machine: measured until the
    # processes are back to their idle rate, and divided by the turns accepted.
    await _quiesce(procs, sum(idle_cpu.values()))
    window = time.perf_counter() - start
    after = readings(procs, servers)
    counted = syscalls.stop()
    profiles.stop()
    done = [t for t in turns if t.replied is not None]
    accepted = max(1, sum(1 for t in turns if t.status == 202))
    latencies = [(t.replied - t.posted) * 1000 for t in done if t.replied is not None]
    per_turn = {k: max(0.0, after[k] - before.get(k, 0.0) - idle.get(k, 0.0) * window) / accepted for k in after}
    figures = Throughput(
        rate=len(done) / elapsed,
        p50=pct(latencies, 50),
        p99=pct(latencies, 99),
        errors=sum(1 for t in turns if t.status != 202),
        stuck=sum(1 for t in turns if t.status == 202 and t.replied is None),
        cpu={k: v for k, v in per_turn.items() if k in procs},
        syscalls={k: max(0.0, v - idle_calls.get(k, 0.0) * window) / accepted for k, v in counted.items()},
        idle_cpu=sum(idle_cpu.values()),
        outside={k.removeprefix("beside:"): v for k, v in per_turn.items() if k.startswith("beside:")},
        machine=per_turn["machine"],
    )
    return figures, chats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-ms", type=float, default=0.0)
    parser.add_argument("--sequential", type=int, default=100)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--profile", type=Path, help="py-spy each process during the throughput runs, into this dir")
    args = parser.parse_args()
    for _ in range(args.runs):
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
