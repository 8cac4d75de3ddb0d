"""Every SQL statement of the integrations service, one module (and repository) per aggregate, each returning
typed rows."""

from services.integrations.repository.audit import AuditQuery, AuditRecord, AuditRepository
from services.integrations.repository.bookkeeping import BookkeepingRepository
from services.integrations.repository.connections import Connection, ConnectionRepository
from services.integrations.repository.demo_store import (
    DemoOrder,
    DemoStoreRepository,
    DemoSubscription,
    add_demo_address_changes,
    add_demo_subscriptions,
)
from services.integrations.repository.executions import ExecutionRepository
from services.integrations.repository.external_tickets import ExternalTicketRepository, SyncedTicket, TicketState
from services.integrations.repository.mcp_servers import McpServer, McpServerRepository, McpTool, add_mcp_problem
from services.integrations.repository.oauth_states import OAuthState, OAuthStateRepository
from services.integrations.repository.vault import SealedSecret, VaultRepository, WrappedDataKey
from services.integrations.repository.webhooks import WebhookDeliveryRepository

__all__ = [
    "AuditQuery",
    "AuditRecord",
    "AuditRepository",
    "BookkeepingRepository",
    "Connection",
    "ConnectionRepository",
    "DemoOrder",
    "DemoStoreRepository",
    "DemoSubscription",
    "ExecutionRepository",
    "ExternalTicketRepository",
    "McpServer",
    "McpServerRepository",
    "McpTool",
    "OAuthState",
    "OAuthStateRepository",
    "SealedSecret",
    "SyncedTicket",
    "TicketState",
    "VaultRepository",
    "WebhookDeliveryRepository",
    "WrappedDataKey",
    "add_demo_address_changes",
    "add_demo_subscriptions",
    "add_mcp_problem",
]
