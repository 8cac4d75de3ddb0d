"""Tables of the agent service (schema ``agent``)."""

from sqlalchemy import JSON, BigInteger, Column, DateTime, MetaData, String, Table, func

metadata = MetaData(schema="agent")

tool_catalog = Table(
    "tool_catalog",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("service", String(64), primary_key=True),
    Column("tools", JSON, nullable=False),
    Column("source_event_id", String(64), nullable=False),
    Column("source_position", BigInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
