"""Composition root of the integrations service."""

from __future__ import annotations

from datetime import timedelta

from litestar import Litestar
from litestar.types import ControllerRouterHandler

from libs.platform.db import Migration
from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.integrations import privacy, service
from services.integrations.check_endpoints import ConnectionChecksController
from services.integrations.config import IntegrationsSettings
from services.integrations.connect_endpoints import connect_handlers
from services.integrations.endpoints import IntegrationsController
from services.integrations.handlers import forget_old_bookkeeping, subscriptions
from services.integrations.mcp.policy import McpPolicy
from services.integrations.models import external_tickets, metadata, processed_events, tool_attempts
from services.integrations.oauth.connections import OAuthConnections, parse_oauth_clients
from services.integrations.repository import add_demo_address_changes, add_demo_subscriptions, add_mcp_problem
from services.integrations.tools import sandbox
from services.integrations.vault import EnvKeyProvider, Vault

NAME = "integrations"


def create_app(settings: IntegrationsSettings | None = None) -> Litestar:
    settings = settings or IntegrationsSettings()
    runtime = ServiceRuntime(
        NAME,
        settings,
        metadata,
        [
            create_all_migration(metadata),
            create_all_migration(
                metadata,
                2,
                "tool attempts, external tickets, processed events",
                tables=[tool_attempts, external_tickets, processed_events],
            ),
            Migration(3, "demo store subscriptions", add_demo_subscriptions),
            Migration(4, "demo store address changes", add_demo_address_changes),
            Migration(5, "MCP servers: why one could not be reached or listed", add_mcp_problem),
        ],
        on_tenant_created=service.on_tenant_created,
    )
    runtime.privacy.handle(privacy.redact, privacy.export)
    vault = Vault(EnvKeyProvider.parse(settings.vault_master_keys.get_secret_value()))
    oauth = OAuthConnections(
        runtime=runtime,
        vault=vault,
        clients=parse_oauth_clients(settings.oauth_clients.get_secret_value()),
        redirect_url=settings.oauth_redirect_url,
        state_ttl=timedelta(seconds=settings.oauth_state_ttl_seconds),
    )
    policy = McpPolicy(
        stdio_commands=frozenset(c.strip() for c in settings.mcp_stdio_commands.split(",") if c.strip()),
        allow_private=settings.mcp_allow_private,
        timeout=settings.mcp_timeout_seconds,
    )
    remotes = service.Remotes(oauth=oauth, vault=vault, mcp=policy, attempts=service.AttemptJournal(runtime.db.session))
    for sub in subscriptions(runtime, remotes):
        runtime.subscribe(sub)
    retention = timedelta(days=settings.retention_days)
    runtime.add_background(
        "bookkeeping-retention",
        lambda: forget_old_bookkeeping(runtime, retention),
        does="hourly, delete once-only bookkeeping past its retention (attempts, processed events, OAuth states)",
    )
    runtime.add_background(
        "sandbox-tools",
        lambda: sandbox.serve(runtime, remotes),
        does="answer replays' and simulations' tool calls on the dry-run path (core NATS request/reply)",
    )
    controllers: list[ControllerRouterHandler] = [IntegrationsController, ConnectionChecksController]
    controllers += connect_handlers()  # one connect operation per integration, typed from its manifest
    app = build_app(runtime, controllers, vault=vault, oauth=oauth, mcp_policy=policy)
    app.state.remotes = remotes
    return app
