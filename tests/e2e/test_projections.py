"""``deskpilot projections rebuild --check`` on a platform that served a conversation: every read model agrees with
the log; a tampered row is found and named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
import httpx2

from deskpilot.embedded import EmbeddedNats, EmbeddedPostgres
from libs.events import new_id
from libs.platform import nats_auth
from libs.platform.dead_letters import dead_letters
from tests.e2e.conftest import Platform
from tests.support import eventually


async def converse(client: httpx2.AsyncClient, platform: Platform) -> tuple[str, list[dict[str, Any]]]:
    r = await client.post(f"{platform.base}/v1/conversations", headers=platform.headers())
    assert r.status_code == 201, r.text
    cid: str = r.json()["id"]
    for text in ("where is my order #1001?", "and where is my order #1002?"):
        r = await client.post(
            f"{platform.base}/v1/conversations/{cid}/messages", headers=platform.headers(), json={"text": text}
        )
        assert r.status_code == 202, r.text
        wanted = 1 if "1001" in text else 2

        async def answered(wanted: int = wanted) -> list[dict[str, Any]] | None:
            r = await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())
            events: list[dict[str, Any]] = r.json()["events"]
            return events if sum(e["type"] == "agent.replied" for e in events) >= wanted else None

        events = await eventually(answered, timeout=60, what=f"reply {wanted} in {cid}")
    return cid, events


async def tamper(platform: Platform, statement: str, *args: object, done: str = "UPDATE 1") -> None:
    url = json.loads((platform.data_dir / "runtime.json").read_text())["database_url"]
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        await conn.execute("SELECT set_config('deskpilot.tenant_id', '*', false)")  # row-level security: all rows
        assert await conn.execute(statement, *args) == done
    finally:
        await conn.close()


def deskpilot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


async def test_a_backup_restored_into_an_empty_installation_rebuilds_clean(platform: Platform, tmp_path: Path) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        _, events = await converse(client, platform)
    tenant = events[0]["tenant_id"]
    check = ("projections", "rebuild", "--tenant", tenant, "--check")

    async def consistent() -> bool:
        return platform.cli(*check).returncode == 0

    await eventually(consistent, timeout=60, what="the read models to catch up with the log")
    done = platform.cli("backup", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "backed up DP_EVENTS: " in done.stdout
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["streams"]["DP_EVENTS"]["messages"] >= len(events)

    empty = tmp_path / "empty"  # another installation: its own NATS and PostgreSQL
    empty.mkdir()
    nats_server, postgres = EmbeddedNats(empty), EmbeddedPostgres(empty)
    try:
        env = {**platform.env, "NATS_URL": nats_server.start(), "DATABASE_URL": postgres.start()}
        env.pop("DATABASE_OWNER_URL", None)
        done = deskpilot(env, "restore", str(tmp_path / "backup"))
        assert done.returncode == 0, done.stdout + done.stderr
        restored = deskpilot(env, *check)
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "conversation.transcript_entries: 0 rows" not in restored.stdout, restored.stdout
        assert "billing.ledger_entries: 0 rows" not in restored.stdout, restored.stdout
        again = deskpilot(env, "restore", str(tmp_path / "backup"))
        assert again.returncode != 0
        assert "restore needs an empty installation" in again.stdout + again.stderr
    finally:
        postgres.stop()
        nats_server.stop()


async def test_rebuilt_read_models_match_a_tampered_row_is_named_and_a_rebuild_repairs_it(platform: Platform) -> None:
    async with httpx2.AsyncClient(timeout=10) as client:
        cid, events = await converse(client, platform)
    tenant = events[0]["tenant_id"]
    check = ("projections", "rebuild", "--tenant", tenant, "--check")

    async def consistent() -> str | None:  # the projections catch up with the log a moment after the reply
        done = platform.cli(*check)
        return done.stdout if done.returncode == 0 else None

    out = await eventually(consistent, timeout=60, what="every read model to match the log")
    for table in ("conversation.conversations", "conversation.transcript_entries", "billing.ledger_entries"):
        assert f"{table}: " in out, out
        assert f"{table}: 0 rows" not in out, out
    assert "DIFFERS" not in out

    reply = next(e for e in events if e["type"] == "agent.replied")
    line = "UPDATE conversation.transcript_entries SET text = 'tampered' WHERE conversation_id = $1 AND position = $2"
    await tamper(platform, line, cid, reply["position"])
    extra = "INSERT INTO conversation.transcript_entries VALUES ($1, $2, 999999, 'evt_x', 'ai', 'not logged', now())"
    await tamper(platform, extra, tenant, cid, done="INSERT 0 1")
    llm = next(e for e in events if e["type"] == "llm.called")
    await tamper(platform, "UPDATE billing.ledger_entries SET cost_usd = cost_usd + 1 WHERE event_id = $1", llm["id"])
    turns = "DELETE FROM billing.turn_usage WHERE tenant_id = $1 AND conversation_id = $2"
    await tamper(platform, turns, tenant, cid, done="DELETE 2")

    done = platform.cli(*check)
    assert done.returncode == 1, done.stdout + done.stderr
    row = f"conversation.transcript_entries[tenant_id={tenant}, conversation_id={cid}, position={reply['position']}]"
    assert f"{row}: text differs (live 'tampered', log " in done.stdout, done.stdout
    added = f"conversation.transcript_entries[tenant_id={tenant}, conversation_id={cid}, position=999999]"
    assert f"{added}: in the live table, not in the log" in done.stdout, done.stdout
    assert f"billing.ledger_entries[event_id={llm['id']}]: cost_usd differs" in done.stdout, done.stdout
    assert f"billing.turn_usage[tenant_id={tenant}, turn_id=" in done.stdout, done.stdout
    assert "3 of 6 read models differ from the log" in done.stdout, done.stdout

    # Without --check: rewritten from the log, one service at a time.
    only = platform.cli("projections", "rebuild", "conversation", "--tenant", tenant)
    assert only.returncode == 0, only.stdout + only.stderr
    assert "billing." not in only.stdout
    assert "  repaired: 2 rows written from the log" in only.stdout, only.stdout
    done = platform.cli(*check)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "conversation.transcript_entries: " in done.stdout, done.stdout
    assert row not in done.stdout, done.stdout
    assert "2 of 6 read models differ from the log" in done.stdout, done.stdout

    async def repaired() -> str | None:  # billing's is refused while its consumer has events left to book
        done = platform.cli("projections", "rebuild", "--tenant", tenant)
        return done.stdout if done.returncode == 0 else None

    out = await eventually(repaired, timeout=60, what="billing's ledger to be repaired")
    assert "billing.turn_usage: " in out, out
    assert "  repaired: 2 rows written from the log" in out, out
    assert "  repaired: 1 rows written from the log" in out, out  # the ledger entry
    done = platform.cli(*check)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DIFFERS" not in done.stdout, done.stdout


async def test_an_event_a_projection_parked_is_named_and_counted(platform: Platform) -> None:
    """A parked event blocks nothing (the ordered consumer goes on), so the check says the read model is behind:
    which consumer, which conversation and event; and the service's ``/metrics`` counts it."""
    tenant, conv = new_id("ten"), new_id("conv")  # a tenant of its own: the other tests' checks stay clean
    nc = await nats_auth.connect(platform.env["NATS_URL"])
    try:
        poison = {"type": "message.received", "id": new_id("evt"), "tenant_id": tenant, "conversation_id": conv}
        await nc.jetstream().publish(f"dp.conv.{tenant}.{conv}.message.received", json.dumps(poison).encode())

        async def parked() -> bool:
            letters = await dead_letters(nc, "conversation-projection")
            return any(d.conversation_id == conv for d in letters)

        await eventually(parked, timeout=60, what="the projection to park the poison event")
    finally:
        await nc.close()
    done = platform.cli("projections", "rebuild", "--tenant", tenant, "--check")
    assert done.returncode == 1, done.stdout + done.stderr
    named = f"BEHIND: conversation-projection has not applied message.received {poison['id']}"
    assert named in done.stdout, done.stdout
    assert f"(conversation {conv}, tenant {tenant}): poison: " in done.stdout, done.stdout
    assert "deskpilot dead-letters redrive --id " in done.stdout

    services = json.loads((platform.data_dir / "runtime.json").read_text())["services"]
    gauge = 'deskpilot_dead_letters_parked{consumer="conversation-projection",service="conversation"} '

    async def counted() -> bool:  # at once when parked, and from the stream every 10 s
        async with httpx2.AsyncClient(timeout=10) as client:
            text = (await client.get(f"{services['conversation']}/metrics")).text
        return any(line.startswith(gauge) and float(line.split()[-1]) >= 1 for line in text.splitlines())

    await eventually(counted, timeout=60, what="deskpilot_dead_letters_parked to count the parked event")
