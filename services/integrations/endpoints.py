"""The integrations API: available integrations, the OAuth callback, MCP servers, webhooks and the audit log
(connecting each integration: ``connect_endpoints.py``)."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from libs.platform.http import Runtime, TenantId, TimestampQuery, timestamp
from libs.platform.row_security import narrow_request
from services.integrations.audit import trail
from services.integrations.errors import ConnectError, answer_for
from services.integrations.manifest import Manifest, api_key_purpose, builtin_manifests
from services.integrations.mcp import servers as mcp_servers
from services.integrations.mcp.info import mcp_info
from services.integrations.mcp.policy import McpError, McpPolicy, McpServerRequest
from services.integrations.oauth.connections import OAuthConnections, token_purpose
from services.integrations.repository import (
    AuditQuery,
    AuditRecord,
    AuditRepository,
    ConnectionRepository,
    ExternalTicketRepository,
    McpServerRepository,
    SyncedTicket,
)
from services.integrations.schemas import (
    AuditEntry,
    AuditPage,
    Connected,
    ExternalTicket,
    ExternalTicketPage,
    IntegrationInfo,
    IntegrationList,
    McpServerInfo,
    McpServerList,
    ModeChange,
    ModeChanged,
    WebhookAccepted,
    WebhookEndpoint,
    WebhookSecret,
)
from services.integrations.tools.catalog import publish_catalog
from services.integrations.vault import Vault, VaultError
from services.integrations.webhooks import inbox
from services.integrations.webhooks.signatures import WebhookRejected


def _manifest(name: str) -> Manifest:
    manifest = builtin_manifests().get(name)
    if manifest is None:
        raise NotFoundException(f"there is no integration named {name!r}")
    return manifest


def _external_ticket(ticket: SyncedTicket) -> ExternalTicket:
    return ExternalTicket(
        provider=ticket.provider,
        external_id=ticket.external_id,
        conversation_id=ticket.conversation_id,
        subject=ticket.subject,
        status=ticket.status,
        priority=ticket.priority,
        external_updated_at=ticket.external_updated_at,
        synced_at=ticket.synced_at,
    )


def _audit_entry(record: AuditRecord) -> AuditEntry:
    assert record.at is not None  # set by the database on insert
    return AuditEntry(
        conversation_id=record.conversation_id,
        end_user=record.end_user,
        integration=record.integration,
        tool=record.tool,
        tool_call_id=record.tool_call_id,
        request=record.request,
        response=record.response,
        status=record.status,
        dry_run=record.dry_run,
        latency_ms=record.latency_ms,
        at=record.at,
    )


class IntegrationsController(Controller):
    path = "/v1/integrations"

    @get("/")
    async def list_integrations(self, tenant_id: TenantId, runtime: Runtime) -> IntegrationList:
        """Every integration Deskpilot knows, with this tenant's connection state (and why, when revoked)."""
        async with runtime.db.session() as session:
            connections = await ConnectionRepository(session).of_tenant(tenant_id)
        items: list[IntegrationInfo] = []
        for manifest in builtin_manifests().values():
            conn = connections.get(manifest.name)
            items.append(
                IntegrationInfo(
                    name=manifest.name,
                    title=manifest.title,
                    description=manifest.description,
                    auth=manifest.auth.type,
                    connected=conn is not None and conn.active,
                    status=conn.status if conn else None,
                    status_reason=conn.status_reason if conn else None,
                    mode=conn.mode if conn else None,
                    scopes=conn.scopes if conn else None,
                    tools=[t.name for t in manifest.tools],
                )
            )
        return IntegrationList(items=items)

    @get("/oauth/callback")
    async def oauth_callback(
        self,
        request: Request[Any, Any, Any],
        runtime: Runtime,
        oauth: NamedDependency[OAuthConnections],
        oauth_state: Annotated[str, QueryParameter(name="state", min_length=16, max_length=200)],
        code: Annotated[str | None, QueryParameter(max_length=4000)] = None,
        error: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> Connected:
        """Where the provider sends the browser back; the (single-use) state says which tenant connected."""
        try:
            async with runtime.unit_of_work() as uow:
                pending = await oauth.take_state(uow.session, oauth_state)
            if pending is None:  # what the server holds, not the request's shape: 404, as for any unknown id
                raise NotFoundException("unknown or expired OAuth state; start connecting again")
            narrow_request(pending.tenant_id)  # the state named the tenant: the rest is in its row-level scope
            manifest = _manifest(pending.integration)
            if error or not code:
                raise ConnectError(400, f"{manifest.title} authorization was not granted ({error or 'no code'})")
            oauth.verify_callback(manifest, pending, dict(request.query_params.items()))
            token = await oauth.exchange(manifest, pending, code)
            async with runtime.unit_of_work() as uow:
                scopes = await oauth.complete(uow.session, manifest, pending, token)
                await publish_catalog(uow, pending.tenant_id, None)
        except (ConnectError, VaultError) as exc:
            raise answer_for(exc) from None
        return Connected(integration=manifest.name, connected=True, scopes=scopes)

    @post("/mcp", status_code=201)
    async def register_mcp_server(
        self,
        data: JSONBody[McpServerRequest],
        tenant_id: TenantId,
        runtime: Runtime,
        vault: NamedDependency[Vault],
        mcp_policy: NamedDependency[McpPolicy],
    ) -> McpServerInfo:
        """Connect an MCP server (stdio command or streamable-HTTP URL); its tools join this tenant's catalog.
        Registering an existing name replaces it. ``env`` and ``headers`` are stored encrypted, never returned.
        What the operator does not allow (a command off its list, a private address) is 403. A server that cannot
        be reached or listed now is saved all the same, with no tools and its ``problem`` saying why; refresh lists
        its tools once it answers."""
        registration = data.registration()
        try:
            tools, problem = await mcp_servers.checked(registration, mcp_policy)
            async with runtime.unit_of_work() as uow:
                await mcp_servers.register(uow.session, vault, tenant_id, registration, tools, problem)
                await publish_catalog(uow, tenant_id, None)
        except McpError as exc:
            raise HTTPException(status_code=exc.status, detail=exc.message) from None
        except VaultError as exc:
            raise answer_for(exc) from None
        return mcp_info(registration.name, registration.transport, registration.mode, tools, problem)

    @post("/mcp/{server:str}/refresh", status_code=200)
    async def refresh_mcp_server(
        self,
        server: FromPath[str],
        tenant_id: TenantId,
        runtime: Runtime,
        vault: NamedDependency[Vault],
        mcp_policy: NamedDependency[McpPolicy],
    ) -> McpServerInfo:
        """List a connected MCP server's tools again (after it added, changed or removed some) and publish them to
        this tenant's agent (a problem recorded before clears). The registration is checked again against the
        operator's current policy. A server that cannot be reached or listed is 502, its ``problem`` recorded."""
        try:
            async with runtime.db.session() as session:
                registration = await mcp_servers.stored_registration(session, vault, tenant_id, server)
            if registration is None:
                raise NotFoundException(f"there is no connected MCP server named {server!r}")
            tools, problem = await mcp_servers.checked(registration, mcp_policy)
            if problem is not None:
                async with runtime.unit_of_work() as uow:
                    await McpServerRepository(uow.session).record_problem(tenant_id, server, problem)
                raise McpError(502, problem)
            async with runtime.unit_of_work() as uow:
                # Only the tools change: a disconnect or a mode switch made meanwhile stands.
                mode = await McpServerRepository(uow.session).replace_tools(tenant_id, server, tools)
                if mode is None:
                    raise NotFoundException(f"MCP server {server!r} was disconnected meanwhile")
                await publish_catalog(uow, tenant_id, None)
        except McpError as exc:
            raise HTTPException(status_code=exc.status, detail=exc.message) from None
        except VaultError as exc:
            raise answer_for(exc) from None
        return mcp_info(server, registration.transport, mode, tools, None)

    @get("/mcp")
    async def list_mcp_servers(self, tenant_id: TenantId, runtime: Runtime) -> McpServerList:
        """This tenant's MCP servers and the tools each one offers."""
        async with runtime.db.session() as session:
            servers = await McpServerRepository(session).of_tenant(tenant_id)
        items = [mcp_info(s.name, s.transport, s.mode, s.tools, s.problem, s.status) for s in servers]
        return McpServerList(items=items)

    @put("/{name:str}/mode")
    async def set_mode(
        self, name: FromPath[str], data: JSONBody[ModeChange], tenant_id: TenantId, runtime: Runtime
    ) -> ModeChanged:
        """Switch a connected integration between ``live`` and ``dry_run``."""
        _manifest(name)
        async with runtime.unit_of_work() as uow:
            if not await ConnectionRepository(uow.session).set_mode(tenant_id, name, data.mode, data.reads):
                raise NotFoundException(f"{name} is not connected")
        return ModeChanged(integration=name, mode=data.mode, reads=data.reads)

    @put("/mcp/{server:str}/mode")
    async def set_mcp_mode(
        self, server: FromPath[str], data: JSONBody[ModeChange], tenant_id: TenantId, runtime: Runtime
    ) -> ModeChanged:
        """Switch an MCP server between ``live`` and ``dry_run``."""
        async with runtime.unit_of_work() as uow:
            if not await McpServerRepository(uow.session).set_mode(tenant_id, server, data.mode):
                raise NotFoundException(f"there is no MCP server named {server!r}")
        return ModeChanged(integration=f"mcp:{server}", mode=data.mode)

    @delete("/{name:str}", status_code=204)
    async def disconnect(
        self,
        name: FromPath[str],
        tenant_id: TenantId,
        runtime: Runtime,
        vault: NamedDependency[Vault],
        oauth: NamedDependency[OAuthConnections],
    ) -> None:
        """Disconnect an integration: the provider is asked to revoke our access (where its manifest says how),
        the stored tokens are deleted and its tools withdrawn from the agent. If the provider could not be told,
        the connection's ``status_reason`` says so, for the tenant to remove the app there by hand."""
        manifest = _manifest(name)
        problem = None
        if manifest.auth.type == "oauth2":
            async with runtime.db.session() as session:
                connection = await ConnectionRepository(session).get(tenant_id, name)
            if connection is not None and connection.active:
                problem = await oauth.revoke_at_provider(tenant_id, manifest, connection.params)
        reason = "disconnected by the tenant"
        if problem:
            reason += f"; {problem}: remove the app at {manifest.title} by hand"
        async with runtime.unit_of_work() as uow:
            if not await ConnectionRepository(uow.session).disconnect(tenant_id, name, reason):
                raise NotFoundException(f"{name} is not connected")
            await vault.delete(uow.session, tenant_id, token_purpose(name))
            await vault.delete(uow.session, tenant_id, api_key_purpose(name))
            await publish_catalog(uow, tenant_id, None)

    @delete("/mcp/{server:str}", status_code=204)
    async def disconnect_mcp_server(
        self, server: FromPath[str], tenant_id: TenantId, runtime: Runtime, vault: NamedDependency[Vault]
    ) -> None:
        """Disconnect an MCP server: its credentials are deleted and its tools withdrawn from the agent."""
        async with runtime.unit_of_work() as uow:
            if not await McpServerRepository(uow.session).disconnect(tenant_id, server):
                raise NotFoundException(f"there is no MCP server named {server!r}")
            await mcp_servers.forget_credentials(uow.session, vault, tenant_id, server)
            await publish_catalog(uow, tenant_id, None)

    @put("/webhooks/{provider:str}/secret")
    async def set_webhook_secret(
        self,
        provider: FromPath[str],
        data: JSONBody[WebhookSecret],
        tenant_id: TenantId,
        runtime: Runtime,
        vault: NamedDependency[Vault],
    ) -> WebhookEndpoint:
        """Store this tenant's signing secret for a provider's webhooks (encrypted); returns the endpoint path."""
        try:
            inbox.scheme_of(provider)
        except inbox.NoWebhooksFrom as exc:
            raise NotFoundException(str(exc)) from None
        if len(data.secret.get_secret_value()) < 8:
            raise HTTPException(status_code=422, detail="secret is too short")
        try:
            async with runtime.unit_of_work() as uow:
                secret = data.secret.get_secret_value()
                await vault.put(uow.session, tenant_id, inbox.secret_purpose(provider), secret)
        except VaultError as exc:
            raise answer_for(exc) from None
        return WebhookEndpoint(provider=provider, path=f"/v1/integrations/webhooks/{provider}/{tenant_id}")

    @post("/webhooks/{provider:str}/{tenant:str}", status_code=200)
    async def receive_webhook(
        self,
        provider: FromPath[str],
        tenant: FromPath[str],
        request: Request[Any, Any, Any],
        runtime: Runtime,
        vault: NamedDependency[Vault],
    ) -> WebhookAccepted:
        """A provider's webhook delivery. Unsigned, mis-signed, stale or unknown-tenant deliveries get 401."""
        raw = await request.body()
        settings = runtime.settings
        base = getattr(settings, "webhook_base_url", "")
        url = f"{base.rstrip('/')}{request.url.path}" if base else str(request.url.with_replacements(query=""))
        if request.url.query:
            url = f"{url}?{request.url.query}"
        signed = inbox.SignedRequest(request.headers, raw, request.method, url)
        # The path names the tenant: the delivery is read and recorded in its row-level security scope only (a
        # tenant that does not exist has no secret there, so the delivery is refused as unsigned).
        narrow_request(tenant)
        try:
            async with runtime.unit_of_work() as uow:
                new = await inbox.accept(uow, vault, tenant, provider, signed, time.time())
        except WebhookRejected:
            raise NotAuthorizedException("webhook signature verification failed") from None
        except inbox.NoWebhooksFrom as exc:
            raise NotFoundException(str(exc)) from None
        return WebhookAccepted(accepted=True, duplicate=not new)

    @get("/tickets")
    async def external_tickets(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        provider: FromQuery[Literal["zendesk"]] = "zendesk",
        conversation_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> ExternalTicketPage:
        """Helpdesk tickets kept in sync from the provider's webhooks, most recently synced first; optionally only
        those the AI opened for one conversation."""
        async with runtime.db.session() as session:
            tickets = await ExternalTicketRepository(session).of_provider(tenant_id, provider, conversation_id, limit)
        return ExternalTicketPage(items=[_external_ticket(t) for t in tickets])

    @get("/audit")
    async def audit(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        conversation_id: FromQuery[str | None] = None,
        end_user: Annotated[str | None, QueryParameter(max_length=200)] = None,
        since: TimestampQuery = None,
        until: TimestampQuery = None,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    ) -> AuditPage:
        """What the AI did through integrations, newest first: for one customer (``end_user``), one conversation,
        and/or a time range [``since``, ``until``) of RFC 3339 timestamps."""
        query = AuditQuery(conversation_id, end_user, timestamp(since, "since"), timestamp(until, "until"), limit)
        async with runtime.db.session() as session:
            records = await AuditRepository(session).entries(tenant_id, query)
        return AuditPage(items=[_audit_entry(r) for r in records])

    @get("/audit.csv", media_type="text/csv")
    async def audit_csv(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        conversation_id: FromQuery[str | None] = None,
        end_user: Annotated[str | None, QueryParameter(max_length=200)] = None,
        since: TimestampQuery = None,
        until: TimestampQuery = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100_000)] = 10_000,
    ) -> str:
        """The same audit query as CSV, for export."""
        query = AuditQuery(conversation_id, end_user, timestamp(since, "since"), timestamp(until, "until"), limit)
        async with runtime.db.session() as session:
            records = await AuditRepository(session).entries(tenant_id, query)
        return trail.as_csv(_audit_entry(r) for r in records)
