"""Tables of the ticketing service (schema ``ticketing``)."""

from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, func

metadata = MetaData(schema="ticketing")

tickets = Table(
    "tickets",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("ticket_id", String(64), primary_key=True),
    Column("conversation_id", String(64), nullable=False),
    Column("source_event_id", String(64), nullable=False, unique=True),  # one ticket per handoff, ever
    Column("source", String(16), nullable=False),
    Column("subject", String(300), nullable=False),
    Column("summary", Text, nullable=False),
    Column("priority", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("assignee", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
