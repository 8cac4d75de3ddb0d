"""Reports on the real service, checked against direct computations over the generated history."""

from __future__ import annotations

import csv
import io
import statistics
from decimal import Decimal

from sqlalchemy import select

from libs.events import EventLog
from libs.platform.runtime import ServiceRuntime
from services.billing.booking import money
from services.billing.models import ledger_entries
from services.billing.reports import percentile
from services.billing.tests.conftest import Service
from services.billing.tests.history import History, generate, write_interleaved
from tests.support import eventually, provision_tenant


async def booked(runtime: ServiceRuntime, event_id: str) -> bool:
    async with runtime.db.session() as session:
        found = await session.scalar(select(ledger_entries.c.event_id).where(ledger_entries.c.event_id == event_id))
    return found is not None


async def seeded(billing: Service, event_log: EventLog, seed: int) -> tuple[str, History]:
    _, runtime = billing
    tenant = await provision_tenant(event_log, runtime)
    history = generate(tenant.tenant_id, conversations=15, seed=seed)
    sentinel = await write_interleaved(event_log, history, seed=seed)
    await eventually(lambda: booked(runtime, sentinel.id), what="the history to be booked")
    return tenant.api_key, history


def test_percentile_is_linear_interpolation_between_closest_ranks() -> None:
    values = [Decimal(v) for v in ("1", "2", "3", "4", "10")]
    assert percentile(values, Decimal("0.5")) == 3
    assert percentile(values, Decimal("0.95")) == Decimal("8.8")  # 4 + (10 - 4) * 0.8
    assert percentile(values, Decimal(1)) == 10
    assert percentile([Decimal(7)], Decimal("0.99")) == 7


async def test_cost_report_matches_a_direct_computation(billing: Service, event_log: EventLog) -> None:
    client, _ = billing
    key, history = await seeded(billing, event_log, seed=21)
    auth = {"Authorization": f"Bearer {key}"}
    r = await client.get("/v1/billing/reports/costs?from=2026-10-01&days=92&top=3", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()

    costs = sorted(history.cost_by_conversation.values())
    direct = statistics.quantiles(costs, n=100, method="inclusive")  # type 7, exact on Decimals
    dist = body["cost_per_conversation"]
    assert dist["conversations"] == len(costs)
    assert Decimal(dist["total_usd"]) == money(sum(costs, Decimal(0)))
    assert Decimal(dist["mean_usd"]) == money(sum(costs, Decimal(0)) / len(costs))
    assert Decimal(dist["p50_usd"]) == money(statistics.median(costs))
    assert Decimal(dist["p95_usd"]) == money(direct[94])
    assert Decimal(dist["p99_usd"]) == money(direct[98])
    assert Decimal(dist["max_usd"]) == money(costs[-1])

    ranked = sorted(history.cost_by_conversation.items(), key=lambda kv: kv[1], reverse=True)[:3]
    top = body["most_expensive"]
    assert [(c["conversation_id"], Decimal(c["cost_usd"])) for c in top] == [(c, money(v)) for c, v in ranked]
    for conv in top:  # the breakdown explains the whole cost, most expensive first
        drivers = conv["drivers"]
        assert sum(Decimal(d["cost_usd"]) for d in drivers) == Decimal(conv["cost_usd"])
        assert [Decimal(d["cost_usd"]) for d in drivers] == sorted(
            (Decimal(d["cost_usd"]) for d in drivers), reverse=True
        )
        assert sum(d["calls"] for d in drivers if d["kind"] == "llm") == conv["llm_calls"]

    tool_events = [e for e in history.events if e.type in {"tool.completed", "tool.failed"}]
    tools = {t["tool"]: t for t in body["tools"]}
    for name in {e.payload.tool for e in tool_events}:  # type: ignore[union-attr]
        calls = [e for e in tool_events if e.payload.tool == name]  # type: ignore[union-attr]
        failures = sum(1 for e in calls if e.type == "tool.failed")
        assert (tools[name]["calls"], tools[name]["failures"]) == (len(calls), failures)
        assert Decimal(tools[name]["error_rate"]) == (Decimal(failures) / len(calls)).quantize(Decimal("0.0001"))

    n_ai, n_human = len(history.ai_resolutions), len(history.human_handled)
    assert (body["ai_resolutions"], body["human_handled"]) == (n_ai, n_human)
    assert Decimal(body["deflection_rate"]) == (Decimal(n_ai) / (n_ai + n_human)).quantize(Decimal("0.0001"))
    by_day = body["deflection_by_day"]
    assert sum(d["ai_resolutions"] for d in by_day) == n_ai
    assert sum(d["human_handled"] for d in by_day) == n_human
    ai_cost = sum((history.cost_by_conversation[c] for c in history.ai_resolutions), Decimal(0))
    assert Decimal(body["cost_per_ai_resolution_usd"]) == money(ai_cost / n_ai)

    r = await client.get("/v1/billing/reports/conversations.csv?from=2026-10-01&days=92", headers=auth)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert {row["conversation_id"]: Decimal(row["cost_usd"]) for row in rows} == {
        c: money(v) for c, v in history.cost_by_conversation.items()
    }


async def test_invoice_preview_and_usage_for_a_month(billing: Service, event_log: EventLog) -> None:
    client, _ = billing
    key, history = await seeded(billing, event_log, seed=5)
    auth = {"Authorization": f"Bearer {key}"}
    october = {e.conversation_id for e in history.events if e.type == "message.received" and e.occurred_at.month == 10}
    r = await client.put("/v1/billing/plan", json={"plan": "pro"}, headers=auth)
    assert r.status_code == 200, r.text
    r = await client.get("/v1/billing/invoices/preview?month=2026-10", headers=auth)
    assert r.status_code == 200, r.text
    invoice = r.json()
    assert invoice["plan"] == "pro"
    assert invoice["active_conversations"] == len(october)
    ai_in_october = [
        e.conversation_id
        for e in history.events
        if e.type == "conversation.resolved"
        and e.conversation_id in history.ai_resolutions
        and e.occurred_at.month == 10
    ]
    lines = {line["description"]: line for line in invoice["lines"]}
    assert Decimal(lines["pro plan, monthly fee"]["amount_usd"]) == 99
    assert lines["active conversations beyond the 1000 included"]["quantity"] == 0
    assert lines["AI resolutions"]["quantity"] == len(ai_in_october)
    assert Decimal(invoice["total_usd"]) == 99 + Decimal("0.50") * len(ai_in_october)
    r = await client.get("/v1/billing/usage?month=2026-10", headers=auth)
    assert r.json()["active_conversations"] == len(october)


async def test_bad_report_requests_are_rejected_with_a_reason(billing: Service, event_log: EventLog) -> None:
    client, runtime = billing
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    for days in ("0", "367", "1.5"):  # the contract's bounds: 1-366 whole days
        r = await client.get(f"/v1/billing/reports/costs?from=2026-10-02&days={days}", headers=auth)
        assert r.status_code == 422, days
        assert [e["field"] for e in r.json()["errors"]] == ["days"], r.text
    r = await client.get("/v1/billing/reports/costs?from=yesterday&days=1", headers=auth)
    assert r.status_code == 422
    r = await client.get("/v1/billing/reports/daily?from=9999-12-01&days=366", headers=auth)
    assert r.status_code == 200, r.text  # the period stops at the calendar's last day (a 500 beyond it would not)
    assert (r.json()["end"], len(r.json()["days"])) == ("9999-12-31", 30)
    r = await client.get("/v1/billing/invoices/preview?month=2026-13", headers=auth)
    assert r.status_code == 422
    r = await client.put("/v1/billing/plan", json={"plan": "platinum"}, headers=auth)
    assert r.status_code == 422
    assert "unknown plan 'platinum'" in r.json()["errors"][0]["message"]
    r = await client.get("/v1/billing/reports/costs?from=2026-10-01&days=31")
    assert r.status_code == 401
    r = await client.get("/v1/billing/invoices/preview?month=0000-01", headers=auth)
    assert r.status_code == 422  # year 0 was a 500


async def test_no_key_is_401_before_a_missing_parameter_is_422(billing: Service) -> None:
    client, _ = billing
    for path in ("/v1/billing/reports/costs", "/v1/billing/reports/conversations.csv"):
        r = await client.get(path)
        assert (r.status_code, r.json()["code"]) == (401, "unauthorized"), path


async def test_daily_series_models_and_the_conversations_behind_each_figure(
    billing: Service, event_log: EventLog
) -> None:
    client, _ = billing
    key, history = await seeded(billing, event_log, seed=33)
    auth = {"Authorization": f"Bearer {key}"}
    period: dict[str, str | int] = {"from": "2026-10-01", "days": 92}

    report = (await client.get("/v1/billing/reports/costs", params=period, headers=auth)).json()
    llm = [e for e in history.events if e.type == "llm.called"]
    by_model: dict[str, int] = {}
    for e in llm:
        by_model[e.payload.model] = by_model.get(e.payload.model, 0) + 1  # type: ignore[union-attr]
    assert {m["model"]: m["calls"] for m in report["models"]} == by_model
    assert sum(Decimal(m["cost_usd"]) for m in report["models"]) + sum(
        Decimal(t["cost_usd"]) for t in report["tools"]
    ) == Decimal(report["cost_per_conversation"]["total_usd"])

    r = await client.get("/v1/billing/reports/daily", params=period, headers=auth)
    assert r.status_code == 200, r.text
    days = r.json()["days"]
    assert len(days) == 92
    assert sum(Decimal(d["cost_usd"]) for d in days) == money(history.expected_cost)
    assert sum(d["ai_resolutions"] for d in days) == len(history.ai_resolutions)
    assert sum(d["human_handled"] for d in days) == len(history.human_handled)
    for d in days:
        assert d["resolved"] <= d["conversations"]

    async def drill(**params: str | int) -> list[str]:
        r = await client.get("/v1/billing/reports/conversations", params={**period, **params}, headers=auth)
        assert r.status_code == 200, r.text
        return [c["conversation_id"] for c in r.json()["items"]]

    everything = await drill(limit=5000)
    assert set(everything) >= set(history.cost_by_conversation)
    # A histogram bucket [lo, hi) holds exactly the conversations whose cost falls in it.
    costs = history.cost_by_conversation
    lo, hi = sorted(costs.values())[3], sorted(costs.values())[9]
    expected = {c for c, v in costs.items() if money(lo) <= money(v) < money(hi)}
    assert set(await drill(min_usd=str(money(lo)), max_usd=str(money(hi)))) == expected
    assert set(await drill(outcome="ai_resolved")) == history.ai_resolutions
    assert set(await drill(outcome="human_handled")) == history.human_handled
    busiest = max(days, key=lambda d: d["ai_resolutions"])
    on_day = await drill(outcome="ai_resolved", day=busiest["day"])
    assert len(on_day) == busiest["ai_resolutions"]
    tool = report["tools"][0]["tool"]
    users = {e.conversation_id for e in history.events if e.type.startswith("tool.") and e.payload.tool == tool}  # type: ignore[union-attr]
    assert set(await drill(tool=tool)) == users
    bad = await client.get("/v1/billing/reports/conversations", params={**period, "outcome": "nope"}, headers=auth)
    assert bad.status_code in {400, 422}
