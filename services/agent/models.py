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

tenant_policies = Table(
    "tenant_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("policy", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Turns in progress, with the wall-clock deadline a background sweep enforces (a tool that never answers must
# not leave a customer waiting forever). A hint kept beside the log: a missing row only delays the sweep.
open_turns = Table(
    "open_turns",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("conversation_id", String(64), primary_key=True),
    Column("turn_id", String(64), nullable=False),
    Column("deadline", DateTime(timezone=True), nullable=False, index=True),
)
