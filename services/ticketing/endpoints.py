"""The ticketing API: the inbox of tickets."""

from __future__ import annotations

from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.params import Parameter

from libs.platform.http import Runtime, TenantId
from services.ticketing.repository import TicketRepository
from services.ticketing.schemas import Ticket, TicketList


class TicketController(Controller):
    path = "/v1/tickets"

    @get("/")
    async def list_tickets(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        status: str | None = None,
        limit: int = Parameter(default=50, ge=1, le=500),
    ) -> TicketList:
        """This tenant's tickets, newest first."""
        async with runtime.db.session() as session:
            rows = await TicketRepository(session).list(tenant_id, status, limit)
        return TicketList(items=[Ticket(**{k: r[k] for k in Ticket.model_fields}) for r in rows])

    @get("/{ticket_id:str}")
    async def show(self, tenant_id: TenantId, ticket_id: str, runtime: Runtime) -> Ticket:
        """One ticket."""
        async with runtime.db.session() as session:
            row = await TicketRepository(session).get(tenant_id, ticket_id)
        if row is None:
            raise NotFoundException(f"no ticket {ticket_id}")
        return Ticket(**{k: row[k] for k in Ticket.model_fields})
