"""What the libraries on a turn's path cost per operation, beside the bare exchange each one wraps.

    .venv/bin/python benchmarks/layer_costs.py [--calls 400]

``turn_e2e.py`` shows what a turn costs the whole machine; this shows which layer the CPU goes to. Each figure is
the CPU time of this process alone (``time.process_time``) per operation, against real local servers:

* **a streamed model call** to the zero-latency Anthropic-wire model ``turn_e2e.py`` uses: through
  ``AnthropicModel.stream`` (the ``anthropic`` SDK over httpx2, exactly as the agent calls it); the same request
  body through httpx2 directly (the SDK's client left out); and as a bare HTTP/1.1
  exchange on an asyncio stream, one kept-alive connection, the events parsed with ``json`` (the wire's floor). One
  call at a time, then 16 at once (httpx2's pool checks every idle connection before each request);
* **a statement**: transactions of five ``UPDATE … RETURNING`` on embedded PostgreSQL, through an ``AsyncSession``
  (as the repositories run theirs) and through asyncpg directly.

The last lines scale the differences to a turn with the counts ``turn_counts.py`` measures (two model calls; about
24 statements over all services, ``--statements``), beside the whole machine's CPU-ms per turn that
``turn_e2e.py`` prints. Runs are interleaved and repeated (``--rounds``); the median is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from deskpilot.embedded import EmbeddedPostgres  # noqa: E402
from libs.events import ToolSpec  # noqa: E402
from services.agent.providers import AnthropicModel, ModelMessage, ModelRequest  # noqa: E402

Operation = Callable[[], Awaitable[None]]
LOOKUP = ToolSpec(
    name="get_order_status",
    description="Look up an order by its number.",
    input_schema={"type": "object", "properties": {"order_number": {"type": "string"}}, "required": ["order_number"]},
    service="integrations",
)
REQUEST = ModelRequest(
    "You are Deskpilot, the support agent of a small shop. Answer briefly; look orders up before answering.",
    [ModelMessage(role="user", text="where is my order 1001?")],
    [LOOKUP],
)


async def cpu_ms_per_call(operation: Operation, calls: int, concurrency: int) -> float:
    """CPU-ms of this process per call of ``operation``, ``concurrency`` of them at a time, after a warm-up."""
    for _ in range(max(1, 20 // concurrency)):
        await asyncio.gather(*(operation() for _ in range(concurrency)))
    rounds = max(1, calls // concurrency)
    started = time.process_time()
    for _ in range(rounds):
        await asyncio.gather(*(operation() for _ in range(concurrency)))
    return (time.process_time() - started) * 1000 / (rounds * concurrency)


class BareHttp:
    """One kept-alive HTTP/1.1 connection on an asyncio stream: the request written whole, the response read by
    ``Content-Length`` or chunk by chunk, each ``data:`` line of the event stream parsed. The floor under any client."""

    def __init__(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        fields = {"host": self.host, **headers, "content-length": str(len(body))}
        head = "POST /v1/messages HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields.items()) + "\r\n"
        self.request = head.encode() + body
        self.streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def call(self) -> None:
        reader, writer = self.streams.pop() if self.streams else await asyncio.open_connection(self.host, self.port)
        writer.write(self.request)
        head = (await reader.readuntil(b"\r\n\r\n")).lower()
        if b"content-length:" in head:
            body = await reader.readexactly(int(head.split(b"content-length:")[1].split(b"\r\n")[0]))
        else:
            chunks = []
            while size := int((await reader.readline()).strip(), 16):
                chunks.append((await reader.readexactly(size + 2))[:-2])
            await reader.readline()
            body = b"".join(chunks)
        for line in body.split(b"\n"):
            if line.startswith(b"data: "):
                json.loads(line[6:])
        self.streams.append((reader, writer))

    def close(self) -> None:
        for _, writer in self.streams:
            writer.close()


async def model_calls(url: str, calls: int, rounds: int) -> dict[str, float]:
    model = AnthropicModel(api_key="sk-bench", base_url=url)
    body = json.dumps({**model._params(REQUEST), "stream": True}).encode()
    headers = {"x-api-key": "sk-bench", "anthropic-version": "2023-06-01", "content-type": "application/json"}
    http = httpx2.AsyncClient(base_url=url, limits=httpx2.Limits(max_connections=64, max_keepalive_connections=64))
    bare = BareHttp(url, body, headers)

    async def sdk() -> None:
        async for _ in model.stream(REQUEST):
            pass

    async def direct() -> None:
        async with http.stream("POST", "/v1/messages", content=body, headers=headers) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    json.loads(line[6:])

    ways = {
        "anthropic SDK": (sdk, 1),
        "httpx2 directly": (direct, 1),
        "bare HTTP/1.1": (bare.call, 1),
        "anthropic SDK, 16 at once": (sdk, 16),
    }
    try:
        return await _rounds(ways, calls, rounds)
    finally:
        bare.close()
        await http.aclose()
        await model.aclose()


async def _rounds(ways: Mapping[str, tuple[Operation, int]], calls: int, rounds: int) -> dict[str, float]:
    """Each way (an operation, how many at once) ``rounds`` times, interleaved; the median of each."""
    seen: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(rounds):
        for name, (way, concurrency) in ways.items():
            seen[name].append(await cpu_ms_per_call(way, calls, concurrency))
    return {name: statistics.median(values) for name, values in seen.items()}


ROWS = sa.Table(
    "layer_rows",
    sa.MetaData(),
    sa.Column("tenant_id", sa.String, primary_key=True),
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)
PER_TRANSACTION = 5
BUMP = "UPDATE layer_rows SET n = n + 1 WHERE tenant_id = $1 AND key = $2 RETURNING n"  # what ``bump`` compiles to


async def statements(calls: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="deskpilot-layers-") as tmp:
        pg = EmbeddedPostgres(Path(tmp))
        engine = create_async_engine(pg.start())
        try:
            return await _statements(engine, calls, rounds)
        finally:
            await engine.dispose()
            pg.stop()


async def _statements(engine: AsyncEngine, calls: int, rounds: int) -> dict[str, float]:
    async with engine.begin() as conn:
        await conn.run_sync(ROWS.metadata.create_all)
        await conn.execute(ROWS.insert(), [{"tenant_id": "t", "key": str(i), "n": 0} for i in range(PER_TRANSACTION)])
    bump = (
        sa.update(ROWS)
        .where(ROWS.c.tenant_id == sa.bindparam("tenant"), ROWS.c.key == sa.bindparam("row"))
        .values(n=ROWS.c.n + 1)
        .returning(ROWS.c.n)
    )
    raw = await engine.raw_connection()
    driver = raw.driver_connection
    assert driver is not None

    async def session() -> None:
        async with AsyncSession(engine) as s, s.begin():
            for i in range(PER_TRANSACTION):
                (await s.execute(bump, {"tenant": "t", "row": str(i)})).scalar_one()

    async def asyncpg() -> None:
        async with driver.transaction():
            for i in range(PER_TRANSACTION):
                await driver.fetchval(BUMP, "t", str(i))

    try:
        ways = {"SQLAlchemy AsyncSession": (session, 1), "asyncpg": (asyncpg, 1)}
        per_transaction = await _rounds(ways, calls, rounds)
    finally:
        raw.close()
    return {name: ms / PER_TRANSACTION for name, ms in per_transaction.items()}


async def run(args: argparse.Namespace, model_url: str) -> None:
    print(f"\nlayer_costs — CPU-ms of this process per operation (median of {args.rounds} interleaved rounds)\n")
    models = await model_calls(model_url, args.calls, args.rounds)
    print("a streamed model call (tool use), zero-latency Anthropic-wire model")
    for name, ms in models.items():
        print(f"  {name:32s} {ms:6.3f}")
    sql = await statements(args.calls, args.rounds)
    print(f"a statement (UPDATE … RETURNING, {PER_TRANSACTION} to a transaction, embedded PostgreSQL)")
    for name, ms in sql.items():
        print(f"  {name:32s} {ms:6.3f}")
    model_extra = 2 * (models["anthropic SDK, 16 at once"] - models["bare HTTP/1.1"])
    sdk_extra = 2 * (models["anthropic SDK, 16 at once"] - models["httpx2 directly"])
    sql_extra = args.statements * (sql["SQLAlchemy AsyncSession"] - sql["asyncpg"])
    print(f"\nper turn (2 model calls, {args.statements} statements), above the bare exchange:")
    print(f"  model calls    +{model_extra:.2f} CPU-ms (of which the SDK over httpx2 +{sdk_extra:.2f})")
    print(f"  statements     +{sql_extra:.2f} CPU-ms (SQLAlchemy over asyncpg)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=400, help="operations per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--statements", type=float, default=24.0, help="statements per turn (turn_counts.py)")
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, "-m", "tests.fakes.shop_model"], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None
        asyncio.run(run(args, server.stdout.readline().decode().strip()))
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
