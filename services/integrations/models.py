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
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
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
