"""Tables of the billing service (schema ``billing``). Money is NUMERIC: exact decimal, never float."""

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, Numeric, String, Table, func

metadata = MetaData(schema="billing")

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("event_id", String(64), primary_key=True),  # idempotency: one entry per event, ever
    Column("tenant_id", String(64), nullable=False),
    Column("conversation_id", String(64), nullable=False),
    Column("turn_id", String(64), nullable=True),
    Column("kind", String(8), nullable=False),  # llm | tool
    Column("provider", String(64), nullable=True),
    Column("model", String(128), nullable=True),
    Column("tool", String(64), nullable=True),
    Column("input_tokens", Integer, nullable=False, server_default="0"),
    Column("output_tokens", Integer, nullable=False, server_default="0"),
    Column("cache_read_tokens", Integer, nullable=False, server_default="0"),
    Column("cache_write_tokens", Integer, nullable=False, server_default="0"),
    Column("cost_usd", Numeric(18, 8), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("ix_ledger_tenant_conversation", "tenant_id", "conversation_id"),
)

turn_usage = Table(
    "turn_usage",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("turn_id", String(64), primary_key=True),
    Column("conversation_id", String(64), nullable=False),
    Column("cost_usd", Numeric(18, 8), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
