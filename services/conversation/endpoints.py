"""The public conversation API: open conversations, post messages, read transcripts, the event log and replays."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_202_ACCEPTED,
    HTTP_402_PAYMENT_REQUIRED,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
)

from libs.events import MessageReceived
from libs.platform.http import HUMAN_AGENTS, LOG_POSITION_MAX, ConversationId, Runtime, TenantId
from services.conversation import service
from services.conversation.config import ConversationSettings
from services.conversation.projected import projected_in_requests
from services.conversation.repository import ConversationRepository, ConversationRow
from services.conversation.schemas import (
    ConversationCreated,
    ConversationList,
    ConversationSummary,
    ConversationView,
    EventPage,
    MessageAccepted,
    PostMessage,
    ReplayResult,
    StartConversation,
    TranscriptLine,
)


def _summary(row: ConversationRow) -> ConversationSummary:
    return ConversationSummary(
        id=row.conversation_id,
        status=row.status,
        channel=row.channel,
        customer_id=row.customer_id,
        version=row.last_position,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class ConversationController(Controller):
    path = "/v1/conversations"

    @post("/", status_code=HTTP_201_CREATED)
    async def start(
        self, tenant_id: TenantId, runtime: Runtime, data: JSONBody[StartConversation | None] = None
    ) -> ConversationCreated:
        """Open a conversation; returns its id."""
        body = data or StartConversation()
        try:
            async with runtime.unit_of_work() as uow:
                recorded = await service.start_conversation(
                    runtime.event_log, ConversationRepository(uow.session), tenant_id, body.channel, body.customer_id
                )
        except service.QuotaRefused as exc:
            raise HTTPException(status_code=HTTP_402_PAYMENT_REQUIRED, detail=str(exc)) from exc
        assert recorded.event.conversation_id is not None
        return ConversationCreated(id=recorded.event.conversation_id, status="open", position=recorded.position)

    @get("/")
    async def list_conversations(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        status: FromQuery[str | None] = None,
        customer_id: Annotated[str | None, QueryParameter(min_length=1, max_length=200)] = None,
    ) -> ConversationList:
        """This tenant's conversations, newest first; ``customer_id`` (an e-mail or your own id) gives one
        customer's history across conversations and channels."""
        async with runtime.db.session() as session:
            rows = await ConversationRepository(session).list_for_tenant(tenant_id, limit, status, customer_id)
        return ConversationList(items=[_summary(r) for r in rows])

    @get("/{conversation_id:str}", opt=HUMAN_AGENTS)
    async def show(self, tenant_id: TenantId, conversation_id: ConversationId, runtime: Runtime) -> ConversationView:
        """A conversation with its transcript (a human agent's key may read it too)."""
        async with runtime.db.session() as session:
            repo = ConversationRepository(session)
            row = await repo.get(tenant_id, conversation_id)
            if row is None:
                raise NotFoundException(f"no conversation {conversation_id}")
            lines = await repo.transcript(tenant_id, conversation_id)
        return ConversationView(
            **_summary(row).model_dump(),
            transcript=[
                TranscriptLine(position=e.position, event_id=e.event_id, role=e.role, text=e.text, at=e.at)
                for e in lines
            ],
        )

    @post("/{conversation_id:str}/messages", status_code=HTTP_202_ACCEPTED)
    async def post_message(
        self,
        tenant_id: TenantId,
        conversation_id: ConversationId,
        data: JSONBody[PostMessage],
        runtime: Runtime,
        settings: NamedDependency[ConversationSettings],
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", min_length=1, max_length=200)
        ] = None,
    ) -> MessageAccepted:
        """Accept a customer message; the agent answers asynchronously (watch the event log).

        Retries are safe with an ``Idempotency-Key`` header (the first answer replayed for 24 h) or the channel's
        own ``client_message_id`` (the same message, appended once, at any time).
        """
        dedup = f"client-message:{data.client_message_id}" if data.client_message_id else idempotency_key
        try:
            async with runtime.unit_of_work() as uow:
                recorded = await service.receive_message(
                    runtime.event_log,
                    ConversationRepository(uow.session),
                    tenant_id,
                    conversation_id,
                    data.text,
                    settings.max_message_chars,
                    dedup,
                    alone=True,
                    projected=projected_in_requests(runtime),
                )
        except service.ConversationNotFound as exc:
            raise NotFoundException(f"no conversation {conversation_id}") from exc
        except service.MessageTooLarge as exc:
            raise HTTPException(status_code=HTTP_413_REQUEST_ENTITY_TOO_LARGE, detail=str(exc)) from exc
        payload = recorded.event.payload
        assert isinstance(payload, MessageReceived)
        return MessageAccepted(
            conversation_id=conversation_id,
            message_id=payload.message_id,
            event_id=recorded.event.id,
            position=recorded.position,
        )

    @get("/{conversation_id:str}/events", opt=HUMAN_AGENTS)
    async def events(
        self,
        tenant_id: TenantId,
        conversation_id: ConversationId,
        runtime: Runtime,
        from_version: Annotated[int, QueryParameter(ge=0, le=LOG_POSITION_MAX)] = 0,
    ) -> EventPage:
        """The conversation's event log, in order, from ``from_version`` (exclusive); a human agent's key may read
        it too (the inbox shows the agent's actions from it)."""
        async with runtime.db.session() as session:
            if await ConversationRepository(session).get(tenant_id, conversation_id) is None:
                raise NotFoundException(f"no conversation {conversation_id}")
        recorded = await runtime.event_log.read(tenant_id, conversation_id, from_version)
        return EventPage(
            conversation_id=conversation_id,
            version=recorded[-1].position if recorded else from_version,
            events=[r.as_json() for r in recorded],
        )

    @get("/{conversation_id:str}/replay")
    async def replay(self, tenant_id: TenantId, conversation_id: ConversationId, runtime: Runtime) -> ReplayResult:
        """Rebuild the transcript from the log alone and report whether it matches the stored view."""
        try:
            async with runtime.db.session() as session:
                report = await service.replay(
                    runtime.event_log, ConversationRepository(session), tenant_id, conversation_id
                )
        except service.ConversationNotFound as exc:
            raise NotFoundException(f"no conversation {conversation_id}") from exc
        return ReplayResult(
            conversation_id=report.conversation_id,
            events=report.events,
            version=report.version,
            matches=report.matches,
            stored_entries=report.stored_entries,
            differences=report.differences,
            transcript=[TranscriptLine(**vars(e)) for e in report.transcript],
        )
