"""Tables of the integrations service (schema ``integrations``)."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    func,
)

metadata = MetaData(schema="integrations")

connections = Table(
    "connections",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("integration", String(64), primary_key=True),
    Column("status", String(16), nullable=False),  # active | revoked | disconnected
    Column("mode", String(16), nullable=False),  # live | dry_run
    Column("dry_run_reads", String(16), nullable=False, server_default="live"),  # live | simulated
    Column("status_reason", String(500), nullable=True),  # why it is revoked, shown to the tenant
    Column("scopes", JSON, nullable=True),  # OAuth scopes granted
    Column("params", JSON, nullable=True),  # values of the manifest's URL placeholders (a shop subdomain, …)
    Column("connected_by", String(200), nullable=True),
    Column("access_expires_at", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Pending OAuth authorizations: the state is stored only as a digest; its PKCE verifier sits in the vault.
oauth_states = Table(
    "oauth_states",
    metadata,
    Column("state_sha256", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("integration", String(64), nullable=False),
    Column("user_id", String(200), nullable=True),
    Column("params", JSON, nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Vault: one data key per tenant, stored only wrapped by a master key (``master_version`` names which).
tenant_keys = Table(
    "tenant_keys",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("generation", Integer, nullable=False),
    Column("master_version", String(32), nullable=False),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("rewrapped_at", DateTime(timezone=True), nullable=True),
)

# Vault: secrets sealed with their tenant's data key (nonce || AES-GCM ciphertext), bound to tenant + purpose.
vault_secrets = Table(
    "vault_secrets",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("purpose", String(200), primary_key=True),
    Column("key_generation", Integer, nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# MCP servers tenants registered; env and headers (credentials) are in the vault, not here.
mcp_servers = Table(
    "mcp_servers",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("name", String(32), primary_key=True),
    Column("transport", String(8), nullable=False),  # stdio | http
    Column("command", String(500), nullable=True),
    Column("args", JSON, nullable=True),
    Column("url", String(2000), nullable=True),
    Column("status", String(16), nullable=False),  # active | disconnected
    Column("mode", String(16), nullable=False),  # live | dry_run
    Column("tools", JSON, nullable=False),  # [{name, provider_name, description, input_schema, annotations}]
    Column("problem", String(500), nullable=True),  # why it could not be reached or listed last time; None: it was
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Webhook deliveries already accepted (dedupe: providers redeliver until they see a 2xx).
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("provider", String(16), primary_key=True),
    Column("delivery_id", String(200), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

tool_executions = Table(
    "tool_executions",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("tool_call_id", String(100), primary_key=True),
    Column("request_event_id", String(64), nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("tool", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # running (claimed) | completed | failed
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Calls that left for a provider, committed *before* the call (outside the execution's unit of work): a
# redelivered request that finds an attempt here knows an earlier try may have reached the provider.
tool_attempts = Table(
    "tool_attempts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("tool_call_id", String(100), primary_key=True),
    Column("attempts", Integer, nullable=False),
    Column("first_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Helpdesk tickets kept in step with the provider (Zendesk): created by a tool for a conversation, or learnt of
# from a webhook. ``own_comments`` holds digests of comments we posted, so their webhooks are not echoed back.
external_tickets = Table(
    "external_tickets",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("provider", String(16), primary_key=True),
    Column("external_id", String(64), primary_key=True),
    Column("conversation_id", String(64), nullable=True),
    Column("subject", String(300), nullable=True),
    Column("status", String(32), nullable=True),
    Column("priority", String(16), nullable=True),
    Column("own_comments", JSON, nullable=False, server_default="[]"),
    Column("external_updated_at", DateTime(timezone=True), nullable=True),  # newest change applied
    Column("synced_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_external_tickets_conversation", "tenant_id", "conversation_id"),
)

# Events this service has handled where handling twice would repeat an effect (a synced webhook's events).
processed_events = Table(
    "processed_events",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("event_id", String(64), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Append-only: what the AI did on behalf of whom. Never updated or deleted by the service.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("tenant_id", String(64), nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("end_user", String(200), nullable=True),
    Column("integration", String(64), nullable=False),
    Column("tool", String(64), nullable=False),
    Column("tool_call_id", String(100), nullable=False),
    Column("request", JSON, nullable=False),
    Column("response", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_audit_tenant_at", "tenant_id", "at"),
)

demo_customers = Table(
    "demo_customers",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("email", String(200), primary_key=True),
    Column("name", String(200), nullable=False),
)

demo_orders = Table(
    "demo_orders",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("order_number", String(16), primary_key=True),
    Column("customer_email", String(200), nullable=False),
    Column("status", String(32), nullable=False),
    Column("total", Numeric(12, 2), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("refunded", Numeric(12, 2), nullable=False, server_default="0"),
    Column("carrier", String(32), nullable=True),
    Column("tracking_number", String(64), nullable=True),
    Column("estimated_delivery", String(10), nullable=True),
    Column("items", JSON, nullable=False),
)

demo_refunds = Table(
    "demo_refunds",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("refund_id", String(64), primary_key=True),
    Column("order_number", String(16), nullable=False),
    Column("amount", Numeric(12, 2), nullable=False),
    Column("reason", String(500), nullable=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Shipping address changes of the demo store's orders (schema v4), one row per change.
demo_address_changes = Table(
    "demo_address_changes",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("change_id", String(64), primary_key=True),
    Column("order_number", String(16), nullable=False),
    Column("address", String(500), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

demo_subscriptions = Table(
    "demo_subscriptions",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("email", String(200), primary_key=True),
    Column("plan", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("renews_on", String(10), nullable=True),
)
