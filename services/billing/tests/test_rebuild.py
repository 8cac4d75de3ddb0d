"""Exactness: the live ledger, fed a generated history through the real consumer (interleaved conversations,
events stored twice in the log, handler redeliveries), equals a rebuild from the event log alone, to the cent and
beyond; and the comparison does notice a difference."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from deskpilot import cli
from libs.events import EventLog, RecordedEvent
from libs.platform.runtime import ServiceRuntime
from services.billing import service
from services.billing.models import ledger_entries
from services.billing.rebuild import rebuild_and_compare
from services.billing.repository import LedgerRepository
from services.billing.tests.conftest import Service
from services.billing.tests.history import generate, write_interleaved
from tests.support import eventually, outbox_events, provision_tenant


async def booked(runtime: ServiceRuntime, event_id: str) -> bool:
    async with runtime.db.session() as session:
        found = await session.scalar(select(ledger_entries.c.event_id).where(ledger_entries.c.event_id == event_id))
    return found is not None


async def test_rebuild_from_the_log_equals_the_live_ledger(
    billing: Service,
    event_log: EventLog,
    nats_url: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, runtime = billing
    tenant = await provision_tenant(event_log, runtime)
    history = generate(tenant.tenant_id, conversations=12)
    sentinel = await write_interleaved(event_log, history)
    await eventually(lambda: booked(runtime, sentinel.id), what="the live consumer to book the whole history")

    # the consumer redelivers: every event handled once more, in log order, changes nothing
    log = await event_log.read_raw(f"dp.conv.{tenant.tenant_id}.>")
    assert len(log) > len(history.events) + 1, "the generated log must hold stored duplicates"
    for position, event in [(r.position, r.event) for r in (await _decoded(event_log, tenant.tenant_id))]:
        async with runtime.unit_of_work() as uow:
            await service.apply(uow, RecordedEvent(position, event))

    async with runtime.db.session() as session:
        repo = LedgerRepository(session)
        report = await rebuild_and_compare(event_log, repo, tenant.tenant_id)
        live = await repo.snapshot(tenant.tenant_id)
    assert report.differences == []
    assert report.matches
    total = sum((e.cost_usd for e in live.entries.values()), Decimal(0))
    assert total == history.expected_cost  # exact, computed independently from the price table
    assert (
        len(live.entries)
        == sum(1 for e in history.events if e.type in {"llm.called", "tool.completed", "tool.failed"}) + 1
    )
    assert len(live.turns) == history.turns
    assert {k[1] for k, m in live.meters.items() if m.ai_resolution} == history.ai_resolutions
    assert {k[1] for k, m in live.meters.items() if m.human_involved_at} == history.human_handled
    assert {m for (_, m, _) in live.active} == {"2026-10", "2026-11", "2026-12"}
    usage = [e for e in await outbox_events(runtime, "usage.recorded") if e.tenant_id == tenant.tenant_id]
    assert len(usage) == history.turns  # one usage record per turn, despite duplicates and redeliveries

    # the CLI says the same, and exits 0 under --check
    monkeypatch.setenv("NATS_URL", nats_url)
    monkeypatch.setenv("DATABASE_URL", database_url)
    args = ["billing", "rebuild", "--tenant", tenant.tenant_id, "--check"]
    assert await asyncio.to_thread(cli.main, args) == 0
    assert "rebuild matches the live ledger exactly" in capsys.readouterr().out

    # …and notices a single altered digit in the live ledger
    some = sorted(live.entries)[0]
    async with runtime.unit_of_work() as uow:
        await uow.session.execute(
            update(ledger_entries)
            .where(ledger_entries.c.event_id == some)
            .values(cost_usd=ledger_entries.c.cost_usd + Decimal("0.0000000001"))
        )
    assert await asyncio.to_thread(cli.main, args) == 1
    out = capsys.readouterr().out
    assert "DIFFERS" in out
    assert some in out


async def _decoded(event_log: EventLog, tenant_id: str) -> list[RecordedEvent]:
    from libs.events import decode

    return [RecordedEvent(p, decode(raw)) for p, raw in await event_log.read_raw(f"dp.conv.{tenant_id}.>")]
