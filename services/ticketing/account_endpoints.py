"""The accounts API of ticketing: sign-in and sign-out of human agents, their passwords, the tenant's API keys,
and the inbox's live feed.

``POST /v1/tickets/sessions`` needs no key (it is how a person gets one); everything else authenticates as the
ticket API does (``endpoints.current_caller``). Errors: 401 wrong e-mail or password, 403 a role that may not,
404 not this tenant's, 429 too many failed sign-ins (``Retry-After``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from litestar.params import FromPath, JSONBody
from litestar.response import ServerSentEvent, ServerSentEventMessage
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_429_TOO_MANY_REQUESTS
from nats.aio.msg import Msg

from libs.events.subjects import parse_conversation_subject, tenant_conversations_all, tenant_subject
from libs.platform.http import Runtime
from libs.platform.row_security import narrow_request
from libs.platform.tenancy import ORIGINAL_KEY_ID
from services.ticketing import accounts
from services.ticketing.config import TicketingSettings
from services.ticketing.endpoints import AUTH, CurrentCaller, agent_view, domain_errors
from services.ticketing.repository import AccountRepository, AgentRepository, IssuedKeyRow
from services.ticketing.schemas import (
    ApiKey,
    ApiKeyList,
    CreatedApiKey,
    NewApiKey,
    PasswordIn,
    SignedIn,
    SignIn,
)

Throttle = NamedDependency[accounts.SignInThrottle]
Settings = NamedDependency[TicketingSettings]

# What the inbox shows changes when one of these is appended to a conversation's log.
LIVE_TYPES = frozenset(
    {
        "ticket.created",
        "ticket.status_changed",
        "human.assigned",
        "human.replied",
        "sla.breached",
        "message.received",
        "agent.replied",
        "tool.requested",
        "tool.completed",
        "tool.failed",
        "tool.approval_requested",
        "tool.approval_decided",
        "handoff.requested",
        "conversation.handed_back",
        "conversation.resolved",
        "csat.requested",
        "csat.recorded",
    }
)
KEEP_ALIVE_S = 15.0


def _api_key(row: IssuedKeyRow) -> ApiKey:
    return ApiKey(
        key_id=row.key_id,
        name=row.name,
        role=row.role,
        key_prefix=row.api_key_prefix,
        created_by=row.created_by,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _created(new: accounts.NewKey) -> CreatedApiKey:
    return CreatedApiKey(**_api_key(new.row).model_dump(), api_key=new.key)


class SessionController(Controller):
    path = "/v1/tickets/sessions"
    dependencies = AUTH

    @post("/", status_code=HTTP_201_CREATED)
    async def sign_in(
        self, data: JSONBody[SignIn], runtime: Runtime, throttle: Throttle, settings: Settings
    ) -> SignedIn:
        """Exchange a human agent's e-mail and password for a sign-in key (``dps_…``, shown once) that acts as the
        agent, in its role, across the API until ``expires_at`` or sign-out. No key needed."""
        try:
            async with runtime.unit_of_work() as uow:  # the system's scope: the e-mail may be any tenant's
                agent = await accounts.prove_password(uow, data.email, data.password, data.tenant_id, throttle)
        except accounts.InvalidCredentials as exc:
            raise NotAuthorizedException("wrong e-mail or password") from exc
        except accounts.TooManyAttempts as exc:
            raise HTTPException(
                status_code=HTTP_429_TOO_MANY_REQUESTS,
                detail=str(exc),
                headers={"Retry-After": str(exc.retry_after)},
            ) from exc
        narrow_request(agent.tenant_id)  # row-level security: the sign-in is the agent's tenant's alone
        async with runtime.unit_of_work() as uow:
            new = await accounts.issue_session(uow, agent, timedelta(hours=settings.session_hours))
        assert new.row.expires_at is not None  # a sign-in key always expires
        return SignedIn(
            session_key=new.key,
            key_id=new.row.key_id,
            expires_at=new.row.expires_at,
            tenant_id=agent.tenant_id,
            agent=agent_view(agent),
        )

    @delete("/current", status_code=HTTP_204_NO_CONTENT)
    async def sign_out(self, caller: CurrentCaller, runtime: Runtime) -> None:
        """End the sign-in whose key calls (a ``dps_…`` key): it is refused everywhere from now on."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                await accounts.sign_out(uow, caller)


class PasswordController(Controller):
    path = "/v1/tickets/agents"
    dependencies = AUTH

    @put("/{agent_id:str}/password", status_code=HTTP_204_NO_CONTENT)
    async def set_password(
        self, caller: CurrentCaller, agent_id: FromPath[str], data: JSONBody[PasswordIn], runtime: Runtime
    ) -> None:
        """Set an agent's password (argon2id hash; the agent itself or an admin, an owner's only by an owner). The
        agent's other sign-ins end."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                await accounts.set_password(uow, caller, agent_id, data.password)


class ApiKeyController(Controller):
    path = "/v1/tickets/api-keys"
    dependencies = AUTH

    @post("/", status_code=HTTP_201_CREATED)
    async def create(self, caller: CurrentCaller, data: JSONBody[NewApiKey], runtime: Runtime) -> CreatedApiKey:
        """Create an API key that acts as the tenant (owners only); the key is in this response only."""
        with domain_errors():
            async with runtime.unit_of_work() as uow:
                new = await accounts.issue_api_key(uow, caller, data.name, data.role)
        return _created(new)

    @get("/")
    async def list_keys(self, caller: CurrentCaller, runtime: Runtime) -> ApiKeyList:
        """The tenant's issued API keys, newest first, revoked ones included, and whether the key the tenant was
        created with still works; never the keys (admins)."""
        with domain_errors():
            caller.require_admin()
        async with runtime.db.session() as session:
            rows = await AccountRepository(session).keys(caller.tenant_id, "api")
        active = await runtime.tenants.original_key_active(caller.tenant_id)
        return ApiKeyList(items=[_api_key(r) for r in rows], original_key_active=active)

    @delete("/{key_id:str}", status_code=HTTP_204_NO_CONTENT)
    async def revoke(self, caller: CurrentCaller, key_id: FromPath[str], runtime: Runtime) -> None:
        """Revoke an API key (owners only): every service refuses it from now on. Idempotent. ``original``: the key
        the tenant was created with, refused by every service within 5 seconds."""
        with domain_errors():
            try:
                async with runtime.unit_of_work() as uow:
                    if key_id == ORIGINAL_KEY_ID:
                        await accounts.revoke_original_key(uow, caller, runtime.tenants)
                    else:
                        await accounts.revoke_api_key(uow, caller, key_id)
            except accounts.KeyNotFound as exc:
                raise NotFoundException(str(exc)) from exc

    @post("/{key_id:str}/rotate", status_code=HTTP_201_CREATED)
    async def rotate(self, caller: CurrentCaller, key_id: FromPath[str], runtime: Runtime) -> CreatedApiKey:
        """Replace an API key: a new one with the same name and role (in this response only), the old revoked.
        ``original``: a new owner key in place of the key the tenant was created with."""
        with domain_errors():
            try:
                async with runtime.unit_of_work() as uow:
                    if key_id == ORIGINAL_KEY_ID:
                        new = await accounts.rotate_original_key(uow, caller, runtime.tenants)
                    else:
                        new = await accounts.rotate_api_key(uow, caller, key_id)
            except accounts.KeyNotFound as exc:
                raise NotFoundException(str(exc)) from exc
        return _created(new)


class InboxStreamController(Controller):
    path = "/v1/tickets/stream"
    dependencies = AUTH

    @get("/")
    async def stream(self, caller: CurrentCaller, runtime: Runtime) -> ServerSentEvent:
        """Server-sent events for a live inbox: ``event: change`` with ``{"type", "conversation_id"}`` whenever
        something an inbox shows happens in one of the tenant's conversations (a ticket opens or moves, a message,
        a reply, an agent action, an approval), and ``event: note`` for internal notes. Notices, not data: read
        the tickets and the conversation again. Not replayed: a client that reconnects reads the inbox first.
        A ``: keep-alive`` comment comes every 15 s."""
        async with runtime.db.session() as session:
            if caller.agent_id and await AgentRepository(session).get(caller.tenant_id, caller.agent_id) is None:
                raise NotAuthorizedException("unknown agent")
        queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(maxsize=1000)

        async def on_conversation(msg: Msg) -> None:
            parsed = parse_conversation_subject(msg.subject)
            if parsed is not None and parsed[2] in LIVE_TYPES and not queue.full():
                queue.put_nowait(("change", {"type": parsed[2], "conversation_id": parsed[1]}))

        async def on_note(_msg: Msg) -> None:
            if not queue.full():
                queue.put_nowait(("note", {"type": "ticket.note_added"}))

        subscriptions = [
            await runtime.nc.subscribe(tenant_conversations_all(caller.tenant_id), cb=on_conversation),
            await runtime.nc.subscribe(tenant_subject(caller.tenant_id, "ticket.note_added"), cb=on_note),
        ]

        async def messages() -> AsyncIterator[ServerSentEventMessage]:
            try:
                yield ServerSentEventMessage(data=json.dumps({"type": "ready"}), event="ready")
                while True:
                    try:
                        event, body = await asyncio.wait_for(queue.get(), KEEP_ALIVE_S)
                    except TimeoutError:
                        yield ServerSentEventMessage(data=None, comment="keep-alive")
                        continue
                    yield ServerSentEventMessage(data=json.dumps(body), event=event)
            finally:
                for sub in subscriptions:
                    with contextlib.suppress(Exception):
                        await sub.unsubscribe()

        return ServerSentEvent(messages(), headers={"Cache-Control": "no-cache"})
