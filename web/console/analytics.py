"""Analytics (cost per conversation with p50/p95/p99, cost by model and tool, deflection and resolution over
time, CSAT over time — each figure linking to its conversations), those conversations, and one conversation's
event log as a timeline."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Response, get
from markupsafe import Markup

from web.api import ApiError
from web.auth import SessionApi, layout
from web.charts import Bucket, Series, bars, histogram, lines
from web.console.common import AnyRequest, Api, Store, admin, api_period, period
from web.pages import page
from web.transcript import timeline, transcript


def _drill(start: date, end: date, **criteria: Any) -> str:
    # Amounts in plain decimals (0.00000005, never 5E-8): billing's min_usd/max_usd take only those.
    shown = {k: format(v, "f") if isinstance(v, Decimal) else str(v) for k, v in criteria.items()}
    query = {"from": start.isoformat(), "to": end.isoformat(), **shown}
    return "/console/conversations?" + urlencode(query)


def _dec(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def _cost_charts(report: dict[str, Any], costs: list[Decimal], start: date, end: date) -> dict[str, Markup]:
    """Cost per conversation (a histogram marked with p50/p95/p99), by model and by tool; each bar drills down."""
    dist = report["cost_per_conversation"]

    def bucket_link(b: Bucket) -> str:
        return _drill(start, end, min_usd=b.low, max_usd=b.high)

    cost_chart = histogram(
        costs,
        {"p50": _dec(dist.get("p50_usd")), "p95": _dec(dist.get("p95_usd")), "p99": _dec(dist.get("p99_usd"))},
        bucket_link,
        title="Cost per conversation",
        ident="cost-hist",
    )
    model_chart = bars(
        [
            (f"{m['provider']}/{m['model']}", Decimal(m["cost_usd"]), _drill(start, end, model=m["model"]))
            for m in report["models"]
        ],
        title="Cost by model",
        ident="cost-models",
    )
    tool_chart = bars(
        [(t["tool"], Decimal(t["cost_usd"]), _drill(start, end, tool=t["tool"])) for t in report["tools"]],
        title="Cost by tool",
        ident="cost-tools",
    )
    return {"cost": cost_chart, "models": model_chart, "tools": tool_chart}


def _ratings_of(day: date) -> str:
    """The ratings page for one day: ``[day, day + 1)``, the period every console page reads."""
    return f"/console/ratings?{urlencode({'from': day.isoformat(), 'to': (day + timedelta(days=1)).isoformat()})}"


def _trend_charts(daily: list[dict[str, Any]], csat: dict[str, Any], start: date, end: date) -> dict[str, Markup]:
    """Deflection and resolution rate by day, and CSAT by day; each point drills down."""
    days = [date.fromisoformat(d["day"]) for d in daily]
    rates = lines(
        [
            Series(
                "deflection rate",
                [(d, _dec(p["deflection_rate"])) for d, p in zip(days, daily, strict=True)],
                lambda d: _drill(start, end, outcome="ai_resolved", day=d),
            ),
            Series(
                "resolution rate",
                [(d, _dec(p["resolution_rate"])) for d, p in zip(days, daily, strict=True)],
                lambda d: _drill(start, end, outcome="started", day=d),
            ),
        ],
        title="Deflection and resolution rate over time",
        ident="rates",
        y_max=Decimal(1),
        y_label="rate (0 to 1)",
    )
    csat_chart = lines(
        [
            Series(
                "average CSAT",
                [(date.fromisoformat(d["day"]), _dec(d["average"])) for d in csat["days"]],
                _ratings_of,
            )
        ],
        title="CSAT over time",
        ident="csat",
        y_max=Decimal(5),
        y_label="average rating (1 to 5)",
    )
    return {"rates": rates, "csat": csat_chart}


class AnalyticsController(Controller):
    path = "/console"

    @get("/")
    async def overview(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        user = SessionApi(api, session)
        usage = await user.get("/v1/billing/usage")
        catalog = await user.get("/v1/agent/tools")
        return page(
            "console/overview.html",
            **layout(session, section="console", tab="overview", usage=usage, catalog=catalog),
        )

    @get("/analytics")
    async def analytics(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        user = SessionApi(api, session)
        start, end = period(request)
        when = api_period(start, end)
        report = await user.get("/v1/billing/reports/costs", params=when | {"top": 5})
        everything = await user.get("/v1/billing/reports/conversations", params=when | {"limit": 5000})
        daily = (await user.get("/v1/billing/reports/daily", params=when))["days"]
        csat = await user.get("/v1/tickets/reports/csat", params=when)

        costs = [Decimal(c["cost_usd"]) for c in everything["items"]]
        charts = _cost_charts(report, costs, start, end) | _trend_charts(daily, csat, start, end)
        return page(
            "console/analytics.html",
            **layout(
                session,
                section="console",
                tab="analytics",
                start=start,
                end=end,
                report=report,
                costs=costs,
                csat=csat,
                daily=daily,
                charts=charts,
                all_link=_drill(start, end),
            ),
        )

    @get("/ratings")
    async def ratings(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """The ratings behind a point of the CSAT chart (one day: ``to`` is the day after ``from``)."""
        session = admin(request, store)
        start, end = period(request)
        csat = await SessionApi(api, session).get("/v1/tickets/reports/csat", params=api_period(start, end))
        return page("console/ratings.html", **layout(session, section="console", tab="analytics", csat=csat))

    @get("/conversations")
    async def conversations(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """The conversations behind a figure (billing's drill-down with the figure's criteria)."""
        session = admin(request, store)
        start, end = period(request)
        allowed = ("min_usd", "max_usd", "tool", "model", "outcome", "day")
        criteria = {k: v for k in allowed if (v := request.query_params.get(k))}
        found = await SessionApi(api, session).get(
            "/v1/billing/reports/conversations",
            params={**api_period(start, end), "limit": 500, **criteria},
        )
        return page(
            "console/conversations.html",
            **layout(
                session,
                section="console",
                tab="conversations",
                found=found,
                criteria=criteria,
                start=start,
                end=end,
                analytics_link=f"/console/analytics?{urlencode({'from': start.isoformat(), 'to': end.isoformat()})}",
            ),
        )

    @get("/conversations/{conversation_id:str}")
    async def timeline(self, request: AnyRequest, conversation_id: str, api: Api, store: Store) -> Response[str]:
        """Every event of the conversation: its type, what caused it, what it cost; and the transcript."""
        session = admin(request, store)
        user = SessionApi(api, session)
        log = await user.get(f"/v1/conversations/{conversation_id}/events")
        costs: dict[str, Decimal] = {}
        total = Decimal(0)
        try:
            ledger = await user.get(f"/v1/billing/conversations/{conversation_id}/cost")
        except ApiError as exc:
            if exc.status != 404:  # 404: no usage booked (yet); the timeline shows no costs
                raise
            ledger = None
        if ledger:
            costs = {e["event_id"]: Decimal(e["cost_usd"]) for e in ledger["entries"]}
            total = Decimal(ledger["total_usd"])
        return page(
            "console/timeline.html",
            **layout(
                session,
                section="console",
                tab="conversations",
                conversation_id=conversation_id,
                entries=timeline(log["events"], costs),
                total=total,
                conversation=transcript(log["events"]),
            ),
        )
