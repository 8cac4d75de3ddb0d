"""What one turn costs in round trips, counted rather than timed: PostgreSQL statements and transactions per service,
NATS messages per subject, and CPU-ms of every process including NATS and PostgreSQL.

    .venv/bin/python benchmarks/turn_counts.py [--turns 30]

Starts the platform as ``benchmarks/turn_e2e.py`` does (``deskpilot up``, zero-latency Anthropic-wire model, public
API only), warms it up, then runs ``--turns`` sequential turns (5 per conversation) with PostgreSQL's
``log_statement = 'all'`` switched on and a NATS subscriber on ``>``. Counts do not depend on how busy the machine
is, except that a consumer that falls behind takes several events in one batch (one transaction for all): compare
runs made under similar load. A statement is attributed to the service whose schema its session's statements name.
NATS messages are counted as the subscriber sees them: each publish, and each delivery of a message to a consumer
(a JetStream message delivered to four consumers counts five times). CPU-ms include the idle platform's cost.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import httpx2
import nats
import psutil
from nats.aio.msg import Msg
from turn_e2e import ORIGIN, QUESTIONS, Client, Platform

SCHEMAS = ("conversation", "agent", "billing", "integrations", "knowledge", "ticketing")
STATEMENT = re.compile(r"TC (\S+) LOG:  (?:statement|execute [^:]*): (.*)")


def subject_kind(subject: str) -> str:
    """``subject`` with its numbers as ``#`` and its ids (tenants, conversations, inboxes) as ``*``; names (consumers,
    event types) stay."""
    tokens = subject.split(".")
    return ".".join("#" if t.isdigit() else "*" if len(t) >= 16 and any(c.isdigit() for c in t) else t for t in tokens)


def cpu_ms(platform: Platform, postmaster: int) -> dict[str, float]:
    """CPU time of each service process, of nats-server and of all of PostgreSQL's processes."""
    out: dict[str, float] = {}
    procs = {**platform.processes(), "nats-server": psutil.Process(platform.nats.proc.pid if platform.nats.proc else 0)}
    for name, proc in procs.items():
        times = proc.cpu_times()
        out[name] = (times.user + times.system) * 1000
    master = psutil.Process(postmaster)
    out["postgres"] = 0.0
    for proc in [master, *master.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        out["postgres"] += (times.user + times.system) * 1000
    return out


def statements_by_service(log_text: str) -> dict[str, Counter[str]]:
    """Each session's statements (parameters and literals blanked), under the service whose schema they name."""
    sessions: dict[str, list[str]] = defaultdict(list)
    for line in log_text.splitlines():
        if match := STATEMENT.match(line):
            sessions[match.group(1)].append(match.group(2))
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for statements in sessions.values():
        text = " ".join(statements)
        named = [s for s in SCHEMAS if f"{s}." in text or f'"{s}".' in text]
        service = named[0] if len(named) == 1 else "other"
        for statement in statements:
            out[service][re.sub(r"\$\d+|'[^']*'|\d+", "?", statement)[:110]] += 1
    return out


async def count(turns: int) -> None:
    with tempfile.TemporaryDirectory(prefix="deskpilot-turn-counts-") as tmp:
        platform = Platform(Path(tmp), 0)
        try:
            platform.start()
            await _measure(platform, turns)
        finally:
            platform.stop()


async def _measure(platform: Platform, turns: int) -> None:
    pg = platform.pg.server
    async with httpx2.AsyncClient(base_url=platform.base, timeout=30) as http:
        tenant = {"Authorization": f"Bearer {platform.api_key}"}
        (await http.put("/v1/billing/plan", headers=tenant, json={"plan": "enterprise"})).raise_for_status()
        r = await http.post("/v1/conversations/widget-keys", headers=tenant, json={"allowed_origins": [ORIGIN]})
        client = Client(platform, http, r.json()["widget_key"])
        warm = await client.open()
        for text in QUESTIONS[:3]:
            await client.say(warm, text)
        chats = [await client.open() for _ in range((turns + 4) // 5)]
        logfile = Path(pg.pgdata) / "log"
        pg.psql("ALTER SYSTEM SET log_statement = 'all';")
        pg.psql("ALTER SYSTEM SET log_line_prefix = 'TC %c '; SELECT pg_reload_conf();")
        offset = logfile.stat().st_size
        subjects: Counter[str] = Counter()

        async def seen(msg: Msg) -> None:
            subjects[subject_kind(msg.subject)] += 1

        sniffer = await nats.connect(platform.nats_url)
        await sniffer.subscribe(">", cb=seen)
        postmaster = int((Path(pg.pgdata) / "postmaster.pid").read_text().split()[0])
        before, start = cpu_ms(platform, postmaster), time.perf_counter()
        for i in range(turns):
            await client.say(chats[i // 5], QUESTIONS[i % 5])
        await asyncio.sleep(1.0)  # what a turn set off after its reply (billing's usage.recorded) is counted too
        after, elapsed = cpu_ms(platform, postmaster), time.perf_counter() - start
        await sniffer.close()
        pg.psql("ALTER SYSTEM SET log_statement = 'none'; SELECT pg_reload_conf();")
        logged = logfile.read_bytes()[offset:].decode(errors="replace")
    _report(turns, elapsed, {k: after[k] - before.get(k, 0.0) for k in after}, subjects, logged)


def _report(turns: int, elapsed: float, cpu: dict[str, float], subjects: Counter[str], logged: str) -> None:
    print(f"\nturn_counts — {turns} sequential turns in {elapsed:.1f} s (1 s of tail included)")
    print(f"CPU-ms per turn: total {sum(cpu.values()) / turns:.1f} = ", end="")
    print("  ".join(f"{k} {v / turns:.1f}" for k, v in cpu.items()))
    print("\nPostgreSQL per turn, by service: statements, transactions (most frequent statements)")
    for service, statements in sorted(statements_by_service(logged).items()):
        begins = sum(n for s, n in statements.items() if s.startswith("BEGIN"))
        print(f"  {service:<13}{sum(statements.values()) / turns:6.1f} statements {begins / turns:5.1f} transactions")
        for statement, n in statements.most_common(8):
            print(f"      {n / turns:6.2f}  {statement}")
    print(f"\nNATS messages per turn (publishes and deliveries): {sum(subjects.values()) / turns:.1f}")
    for subject, n in subjects.most_common(25):
        print(f"  {n / turns:7.2f}  {subject}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30)
    asyncio.run(count(parser.parse_args().turns))


if __name__ == "__main__":
    main()
