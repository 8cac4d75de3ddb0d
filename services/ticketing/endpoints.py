"""The ticketing API: the inbox, human agents, replies and notes, status, assignment, SLA targets, CSAT.

Authentication: ``Authorization: Bearer <key>`` with either a key that acts as the tenant (the tenant's own API key
or an issued owner key: an owner; an issued admin key: an admin; neither has an agent identity, so they cannot reply
or write notes) or a human agent's key (``dpa_…``, created by an admin, or ``dps_…`` from a sign-in), which
identifies the agent and its role (``owner`` | ``admin`` | ``agent``). 401 for an unknown key, 403 for a role that
may not do it, 404 for anything that is not this tenant's, 409 for a request that does not fit the ticket's state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_409_CONFLICT

from libs.platform.edge import CALLER
from libs.platform.http import Runtime
from libs.platform.periods import ReportDays, ReportStart, report_period
from libs.platform.row_security import narrow_request
from services.ticketing import accounts, ratings, service
from services.ticketing.repository import (
    AccountRepository,
    AgentRepository,
    AgentRow,
    InboxFilter,
    NoteRow,
    SlaPolicyRepository,
    TicketRepository,
    TicketRow,
)
from services.ticketing.schemas import (
    Assignment,
    CreatedHumanAgent,
    Csat,
    CsatIn,
    CsatReport,
    HandBack,
    HumanAgent,
    HumanAgentChange,
    HumanAgentList,
    NewHumanAgent,
    Note,
    NoteIn,
    NoteList,
    Priority,
    ReplyIn,
    ReplyOut,
    Sla,
    SlaPolicy,
    SlaTarget,
    SlaTargetIn,
    StatusChange,
    Ticket,
    TicketChange,
    TicketList,
)
from services.ticketing.service import Caller

CurrentCaller = NamedDependency[Caller]


async def lookup_caller(runtime: Runtime, key: str) -> Caller | None:
    """Who is behind a Bearer key: a key that acts as the tenant, or a human agent (None: no one). The edge
    (``libs.platform.edge``) asks it for every route that takes ``caller``, before the request is validated, as it
    authenticates the other services' routes (``ServiceRuntime.callers``, set in ``app.py``)."""
    async with runtime.db.session() as session:
        return await accounts.authenticate(AgentRepository(session), AccountRepository(session), runtime.tenants, key)


async def current_caller(request: Request[Any, Any, Any], runtime: Runtime) -> Caller:
    """The caller the edge authenticated, its request narrowed to the caller's tenant (or, where no edge ran, the
    same here)."""
    authenticated = request.scope.get(CALLER)
    if isinstance(authenticated, Caller):
        return authenticated
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise NotAuthorizedException("send your API key as 'Authorization: Bearer <key>'")
    caller = await lookup_caller(runtime, key.strip())
    if caller is None:
        raise NotAuthorizedException("unknown API key")
    narrow_request(caller.tenant_id)  # row-level security, as the edge does: only this tenant's rows from here on
    return caller


class ConflictException(ClientException):
    status_code = HTTP_409_CONFLICT


@contextmanager
def domain_errors() -> Iterator[None]:
    """Domain failures as the platform's JSON errors."""
    try:
        yield
    except (service.TicketNotFound, service.AgentNotFound) as exc:
        raise NotFoundException(str(exc)) from exc
    except service.Forbidden as exc:
        raise PermissionDeniedException(str(exc)) from exc
    except service.Conflict as exc:
        raise ConflictException(str(exc)) from exc


AUTH = {"caller": Provide(current_caller)}


def _ticket(row: TicketRow) -> Ticket:
    sla = Sla(
        first_response_due_at=row.first_response_due_at,
        first_responded_at=row.first_responded_at,
        first_response_breached_at=row.first_response_breached_at,
        resolution_due_at=row.resolution_due_at,
        resolved_at=row.resolved_at,
        resolution_breached_at=row.resolution_breached_at,
    )
    csat = None
    if row.csat_score is not None:
        assert row.csat_at is not None  # set with the score
        csat = Csat(score=row.csat_score, comment=row.csat_comment, at=row.csat_at)
    return Ticket(
        ticket_id=row.ticket_id,
        conversation_id=row.conversation_id,
        source=row.source,
        subject=row.subject,
        summary=row.summary,
        priority=row.priority,
        status=row.status,
        assignee=row.assignee,
        team=row.team,
        tags=row.tags,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sla=sla,
        csat=csat,
    )


def _note(row: NoteRow) -> Note:
    return Note(
        note_id=row.note_id, ticket_id=row.ticket_id, agent_id=row.agent_id, text=row.text, created_at=row.created_at
    )


def agent_view(row: AgentRow) -> HumanAgent:
    return HumanAgent(
        agent_id=row.agent_id,
        name=row.name,
        email=row.email,
        role=row.role,
        team=row.team,
        availability=row.availability,
        active=row.active,
        api_key_prefix=row.api_key_prefix,
        created_at=row.created_at,
    )


class TicketController(Controller):
    path = "/v1/tickets"
    dependencies = AUTH

    @get("/")
    async def inbox(
        self,
        caller: CurrentCaller,
        runtime: Runtime,
        view: FromQuery[Literal["all", "mine", "unassigned", "breaching"]] = "all",
        status: FromQuery[Literal["open", "pending", "resolved"] | None] = None,
        priority: FromQuery[Priority | None] = None,
        team: FromQuery[str | None] = None,
        tag: FromQuery[str | None] = None,
        assignee: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    ) -> TicketList:
        """This tenant's tickets, newest first. ``view``: ``mine`` (the calling agent's; needs an agent key),
        ``unassigned``, ``breaching`` (unresolved, with a missed target still running) or ``all``."""
        if view == "mine":
            with domain_errors():
                assignee, _ = caller.require_agent()
        criteria = InboxFilter(
            status=status,
            priority=priority,
            team=team,
            tag=tag,
            assignee=assignee,
            unassigned=view == "unassigned",
            breaching=view == "breaching",
            limit=limit,
        )
        async with runtime.db.session() as session:
            rows = await TicketRepository(session).inbox(caller.tenant_id, criteria)
        return TicketList(items=[_ticket(r) for r in rows])

    @get("/{ticket_id:str}")
    async def show(self, caller: CurrentCaller, ticket_id: FromPath[str], runtime: Runtime) -> Ticket:
        """One ticket, with its SLA timers and CSAT."""
        async with runtime.db.session() as session:
            row = await TicketRepository(session).get(caller.tenant_id, ticket_id)
        if row is None:
            raise NotFoundException(f"no ticket {ticket_id}")
        return _ticket(row)

    @patch("/{ticket_id:str}")
    async def change(
        self, caller: CurrentCaller, ticket_id: FromPath[str], data: JSONBody[TicketChange], runtime: Runtime
    ) -> Ticket:
        """Change priority, team or tags; a new priority re-targets the SLA timers still running."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                row = await service.update_ticket(uow, caller, ticket_id, data.model_dump(exclude_unset=True))
        return _ticket(row)

    @post("/{ticket_id:str}/assignment", status_code=200)
    async def assign(
        self, caller: CurrentCaller, ticket_id: FromPath[str], data: JSONBody[Assignment], runtime: Runtime
    ) -> Ticket:
        """Assign by hand (admins: anyone; agents: themselves) or, without ``agent_id``, round-robin."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                row = await service.assign(uow, caller, ticket_id, data.agent_id)
        return _ticket(row)

    @post("/{ticket_id:str}/replies", status_code=201)
    async def reply(
        self, caller: CurrentCaller, ticket_id: FromPath[str], data: JSONBody[ReplyIn], runtime: Runtime
    ) -> ReplyOut:
        """Reply to the customer (agent key): ``human.replied`` on the conversation, delivered on its channel."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                row, message_id = await service.reply(uow, caller, ticket_id, data.text)
        return ReplyOut(message_id=message_id, ticket=_ticket(row))

    @post("/{ticket_id:str}/handback", status_code=200)
    async def hand_back(
        self, caller: CurrentCaller, ticket_id: FromPath[str], data: JSONBody[HandBack], runtime: Runtime
    ) -> Ticket:
        """Give the conversation back to the AI (agent key); it answers the customer's next message."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                row = await service.hand_back(uow, caller, ticket_id, data.note)
        return _ticket(row)

    @post("/{ticket_id:str}/notes", status_code=201)
    async def add_note(
        self, caller: CurrentCaller, ticket_id: FromPath[str], data: JSONBody[NoteIn], runtime: Runtime
    ) -> Note:
        """An internal note (agent key); never sent to the customer."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                row = await service.add_note(uow, caller, ticket_id, data.text)
        return _note(row)

    @get("/{ticket_id:str}/notes")
    async def notes(self, caller: CurrentCaller, ticket_id: FromPath[str], runtime: Runtime) -> NoteList:
        """The ticket's internal notes, oldest first."""
        async with runtime.db.session() as session:
            repo = TicketRepository(session)
            if await repo.get(caller.tenant_id, ticket_id) is None:
                raise NotFoundException(f"no ticket {ticket_id}")
            rows = await repo.notes(caller.tenant_id, ticket_id)
        return NoteList(items=[_note(r) for r in rows])

    @post("/{ticket_id:str}/status", status_code=200)
    async def set_status(
        self, caller: CurrentCaller, ticket_id: FromPath[str], data: JSONBody[StatusChange], runtime: Runtime
    ) -> Ticket:
        """Move the ticket; ``resolved`` resolves the conversation (by a human) and asks the customer for CSAT."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                row = await service.change_status(uow, caller, ticket_id, data.status)
        return _ticket(row)

    @post("/{ticket_id:str}/csat", status_code=201)
    async def csat(
        self, caller: CurrentCaller, ticket_id: FromPath[str], data: JSONBody[CsatIn], runtime: Runtime
    ) -> Ticket:
        """Record the customer's 1-5 rating of a resolved ticket, once (tenant key, on the customer's behalf)."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                row = await service.record_csat(uow, caller, ticket_id, data.score, data.comment)
        return _ticket(row)


class HumanAgentsController(Controller):
    path = "/v1/tickets/agents"
    dependencies = AUTH

    @post("/", status_code=201)
    async def create(self, caller: CurrentCaller, data: JSONBody[NewHumanAgent], runtime: Runtime) -> CreatedHumanAgent:
        """Create a human agent (admin). The response carries its API key, shown this once."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                row, api_key = await service.create_agent(
                    AgentRepository(uow.session), caller, data.name, data.email, data.role, data.team
                )
        return CreatedHumanAgent(**agent_view(row).model_dump(), api_key=api_key)

    @get("/")
    async def list_agents(self, caller: CurrentCaller, runtime: Runtime) -> HumanAgentList:
        """This tenant's agents."""
        async with runtime.db.session() as session:
            rows = await AgentRepository(session).list(caller.tenant_id)
        return HumanAgentList(items=[agent_view(r) for r in rows])

    @get("/me")
    async def me(self, caller: CurrentCaller, runtime: Runtime) -> HumanAgent:
        """The agent whose key calls (agent key)."""
        with domain_errors():
            agent_id, _ = caller.require_agent()
        async with runtime.db.session() as session:
            row = await AgentRepository(session).get(caller.tenant_id, agent_id)
        if row is None:
            raise NotFoundException(f"no agent {agent_id}")
        return agent_view(row)

    @patch("/{agent_id:str}")
    async def change(
        self, caller: CurrentCaller, agent_id: FromPath[str], data: JSONBody[HumanAgentChange], runtime: Runtime
    ) -> HumanAgent:
        """Change availability (the agent itself or an admin), role, team or active (admin only)."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                row = await service.update_agent(
                    AgentRepository(uow.session), caller, agent_id, data.model_dump(exclude_unset=True)
                )
        return agent_view(row)


class ReportController(Controller):
    path = "/v1/tickets/reports"
    dependencies = AUTH

    @get("/csat")
    async def csat_report(
        self,
        caller: CurrentCaller,
        runtime: Runtime,
        first: ReportStart,
        days: ReportDays,
    ) -> CsatReport:
        """Customer ratings of the period (``days`` days from ``from``): per UTC day (count, mean, 4-5s), overall,
        and each rating with its ticket and conversation (admins)."""
        with domain_errors():
            caller.require_admin()
        start, end = report_period(first, days)
        lo, hi = (datetime.combine(d, time(), UTC) for d in (start, end))
        async with runtime.db.session() as session:
            rows = await TicketRepository(session).ratings(caller.tenant_id, lo, hi)
        return ratings.csat_report(start, end, rows)


class SlaPolicyController(Controller):
    path = "/v1/tickets/sla-policy"
    dependencies = AUTH

    @get("/")
    async def show(self, caller: CurrentCaller, runtime: Runtime) -> SlaPolicy:
        """First-response and resolution targets by priority (the tenant's own, else the defaults)."""
        async with runtime.db.session() as session:
            targets = await service.sla_targets(SlaPolicyRepository(session), caller.tenant_id)
        return SlaPolicy(
            items=[
                SlaTarget(priority=p, first_response_seconds=t[0], resolution_seconds=t[1]) for p, t in targets.items()
            ]
        )

    @put("/{priority:str}")
    async def set_target(
        self, caller: CurrentCaller, priority: FromPath[str], data: JSONBody[SlaTargetIn], runtime: Runtime
    ) -> SlaTarget:
        """Set one priority's targets (admin); they apply to tickets opened from now on."""
        if priority not in service.PRIORITIES:
            raise NotFoundException(f"no priority {priority}; use one of {', '.join(service.PRIORITIES)}")
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                await service.set_sla_target(
                    SlaPolicyRepository(uow.session),
                    caller,
                    priority,
                    data.first_response_seconds,
                    data.resolution_seconds,
                )
        return SlaTarget(priority=priority, **data.model_dump())
