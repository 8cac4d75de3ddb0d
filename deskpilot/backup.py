"""``deskpilot backup DIR`` and ``deskpilot restore DIR``: a whole installation, its event log and its database.

A backup is a directory:

    manifest.json           what is in it: every stream's message count and last position, when, from where
    streams/<STREAM>.jsonl  every message of DP_EVENTS, DP_DEAD_LETTERS and KV_DP_SUBJECT_KEYS, in order: position,
                            subject, headers, body (base64): read with JetStream's batched direct get
    postgres.dump           ``pg_dump --format=custom`` of the whole database (every service's schema)

Restore goes into an **empty** installation (it refuses streams that hold messages): the database first
(``pg_restore --no-owner --no-privileges``; the services grant their role its rights at start-up), then every stream
re-created by the code's own definitions and its messages published again in order with their subjects and headers
(``Nats-Msg-Id``, the key-value bucket's operations and roll-ups), and the event log's positions checked to be the
original ones, since conversation versions and the projections' positions are those numbers. Durable consumers are
not in a backup: restarted services consume the log again from the start, which their idempotent handlers absorb.

Take the backup with the services stopped, or accept that the database may be ahead of or behind the log by the
events in flight (``deskpilot projections rebuild --check`` then names them). The vault master keys
(``DESKPILOT_VAULT_MASTER_KEYS``) are never in a backup: without them the log's personal fields cannot be opened.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from nats.aio.client import Client as NATS
from nats.js.errors import NotFoundError

from libs.events import EventLog
from libs.events.streams import ALL_STREAMS, EVENTS_STREAM
from libs.platform import nats_auth, stream_reads
from libs.platform.db import asyncpg_dsn

SERVER_HEADERS = ("Nats-Stream", "Nats-Subject", "Nats-Sequence", "Nats-Time-Stamp", "Nats-Num-Pending")
DROPPED_HEADERS = ("Nats-Last-Sequence", "Nats-Expected-", "Status", "Description")


@dataclass(frozen=True)
class StoredMessage:
    seq: int
    subject: str
    headers: dict[str, str]
    data: bytes

    def line(self) -> str:
        body = base64.b64encode(self.data).decode()
        return json.dumps({"seq": self.seq, "subject": self.subject, "headers": self.headers, "data": body})

    @classmethod
    def parse(cls, line: str) -> StoredMessage:
        raw = json.loads(line)
        return cls(raw["seq"], raw["subject"], raw["headers"], base64.b64decode(raw["data"]))


def _kept(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if not k.startswith(SERVER_HEADERS + DROPPED_HEADERS)}


async def read_stream(nc: NATS, stream: str) -> list[StoredMessage]:
    """Every message of ``stream`` with its subject and headers, in order (batched direct get)."""
    return [
        StoredMessage(m.seq, m.subject, _kept(m.headers), m.data) for m in await stream_reads.read_stream(nc, stream)
    ]


def _pg_tool(name: str) -> str:
    from deskpilot.embedded import postgres_bin_dir

    bundled = postgres_bin_dir() / name
    found = str(bundled) if bundled.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: install the PostgreSQL client tools of your server's version")
    return found


async def backup(out: Path, nats_url: str, database_url: str) -> dict[str, Any]:
    """Write the backup directory ``out`` (created; must not hold a backup already); returns its manifest."""
    if (out / "manifest.json").exists():
        raise SystemExit(f"{out} already holds a backup")
    (out / "streams").mkdir(parents=True, exist_ok=True)
    nc = await nats_auth.connect(nats_url)
    streams: dict[str, dict[str, int]] = {}
    try:
        for make in ALL_STREAMS:
            name = make(1).name or ""
            messages = await read_stream(nc, name)
            (out / "streams" / f"{name}.jsonl").write_text("".join(m.line() + "\n" for m in messages))
            streams[name] = {"messages": len(messages), "last_seq": messages[-1].seq if messages else 0}
    finally:
        await nc.close()
    dump = [_pg_tool("pg_dump"), "--format=custom", "--file", str(out / "postgres.dump"), asyncpg_dsn(database_url)]
    await asyncio.to_thread(subprocess.run, dump, check=True, capture_output=True, timeout=3600)
    manifest = {"format": "deskpilot-backup/v1", "created_at": datetime.now(UTC).isoformat(), "streams": streams}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


async def _empty(nc: NATS) -> None:
    js = nc.jetstream()
    for make in ALL_STREAMS:
        name = make(1).name or ""
        try:
            info = await js.stream_info(name)
        except NotFoundError:
            continue
        if info.state.messages:
            raise SystemExit(f"stream {name} holds {info.state.messages} messages: restore needs an empty installation")


async def _database_empty(database_url: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        schemas = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
            "AND nspname NOT IN ('information_schema', 'public')"
        )
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    if schemas or tables:
        found = ", ".join(r["nspname"] for r in schemas) or f"{tables} tables in public"
        raise SystemExit(f"the database is not empty ({found}): restore needs an empty installation")


async def _republish(nc: NATS, name: str, messages: list[StoredMessage]) -> None:
    js = nc.jetstream()
    for m in messages:
        ack = await js.publish(m.subject, m.data, stream=name, headers=m.headers or None)
        if name == EVENTS_STREAM and ack.seq != m.seq:
            raise SystemExit(f"{name}: message {m.seq} was restored at position {ack.seq}; the log must keep them")


async def restore(src: Path, nats_url: str, database_url: str, replicas: int = 1) -> dict[str, Any]:
    """Restore the backup in ``src`` into the empty installation at ``nats_url`` / ``database_url``."""
    manifest: dict[str, Any] = json.loads((src / "manifest.json").read_text())
    nc = await nats_auth.connect(nats_url)
    try:
        await _empty(nc)
        await _database_empty(database_url)
        # --clean only drops what the dump creates, in a database just shown to hold none of it (the extension
        # pgvector may exist already: it is dropped and created again).
        command = [
            _pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--clean", "--if-exists",
            "--dbname", asyncpg_dsn(database_url),
        ]  # fmt: skip
        done = await asyncio.to_thread(
            subprocess.run, [*command, str(src / "postgres.dump")], capture_output=True, text=True, timeout=3600
        )
        if done.returncode != 0:
            raise SystemExit(f"pg_restore failed:\n{done.stderr[-2000:]}")
        await EventLog(nc).ensure_streams(replicas)
        for name in manifest["streams"]:
            lines = (src / "streams" / f"{name}.jsonl").read_text().splitlines()
            await _republish(nc, name, [StoredMessage.parse(line) for line in lines])
    finally:
        await nc.close()
    return manifest


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: Path) -> None:
    p_backup = sub.add_parser("backup", help="back up the installation: every JetStream stream and the database")
    p_backup.add_argument("directory", type=Path, help="where to write the backup (created)")
    p_backup.add_argument("--data-dir", type=Path, default=data_dir)
    p_restore = sub.add_parser("restore", help="restore a backup into an empty installation (NATS_URL, DATABASE_URL)")
    p_restore.add_argument("directory", type=Path, help="a directory written by 'deskpilot backup'")
    p_restore.add_argument("--replicas", type=int, default=1, help="replicas of the re-created streams")
    p_restore.add_argument("--data-dir", type=Path, default=data_dir)


def run(args: argparse.Namespace, nats_url: str, database_url: str) -> int:
    if args.command == "backup":
        manifest = asyncio.run(backup(args.directory, nats_url, database_url))
        verb = "backed up"
    else:
        manifest = asyncio.run(restore(args.directory, nats_url, database_url, args.replicas))
        verb = "restored"
    for name, stream in manifest["streams"].items():
        print(f"{verb} {name}: {stream['messages']} messages (last position {stream['last_seq']})")
    print(f"{verb} the database ({args.directory / 'postgres.dump'})")
    if args.command == "restore":
        print("next: start the services, then check: deskpilot projections rebuild --check")
    return 0
