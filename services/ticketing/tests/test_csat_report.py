"""A rating the customer gives in the widget (``csat.recorded`` on the conversation's log) becomes the ticket's
CSAT, and the CSAT report shows it per day with the conversation behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from libs.events import Actor, CsatRecorded, Envelope, EventLog
from services.ticketing.tests.test_tickets import Service, auth, new_agent, open_ticket, ticketing
from tests.support import eventually, provision_tenant

__all__ = ["ticketing"]  # the module fixture, shared


async def test_a_widget_rating_is_the_tickets_csat_and_shows_in_the_report(
    ticketing: Service, event_log: EventLog
) -> None:
    client, runtime = ticketing
    tenant = await provision_tenant(event_log, runtime)
    conv, ticket_id = await open_ticket(runtime, tenant.tenant_id)
    agent = await new_agent(client, tenant.api_key, "Bo")
    r = await client.post(
        f"/v1/tickets/{ticket_id}/status", json={"status": "resolved"}, headers=auth(agent["api_key"])
    )
    assert r.status_code == 200, r.text

    rating = Envelope.new(
        CsatRecorded(ticket_id=ticket_id, score=5, comment="Quick and kind"),
        tenant_id=tenant.tenant_id,
        conversation_id=conv,
        actor=Actor(kind="customer", id="web-customer"),
    )
    await event_log.append(tenant.tenant_id, conv, [rating], expected_version=None)

    async def rated() -> dict[str, object] | None:
        ticket = (await client.get(f"/v1/tickets/{ticket_id}", headers=auth(tenant.api_key))).json()
        return ticket["csat"] if ticket["csat"] else None

    csat = await eventually(rated, what="the widget's rating on the ticket")
    assert (csat["score"], csat["comment"]) == (5, "Quick and kind")
    # The ticket API's own rating path now refuses a second rating.
    again = await client.post(f"/v1/tickets/{ticket_id}/csat", json={"score": 1}, headers=auth(tenant.api_key))
    assert again.status_code == 409

    today = datetime.now(UTC).date()
    period: dict[str, str | int] = {"from": str(today - timedelta(days=1)), "days": 2}
    r = await client.get("/v1/tickets/reports/csat", params=period, headers=auth(tenant.api_key))
    assert r.status_code == 200, r.text
    report = r.json()
    assert (report["ratings"], report["average"]) == (1, "5.00")
    assert report["days"] == [{"day": str(today), "ratings": 1, "average": "5.00", "satisfied": 1}]
    assert [(i["ticket_id"], i["conversation_id"], i["score"]) for i in report["items"]] == [(ticket_id, conv, 5)]
    assert (
        await client.get("/v1/tickets/reports/csat", params=period, headers=auth(agent["api_key"]))
    ).status_code == 403
    bad: dict[str, str | int] = {"from": str(today), "days": 0}  # 1-366 days, as the contract says
    assert (await client.get("/v1/tickets/reports/csat", params=bad, headers=auth(tenant.api_key))).status_code == 422
