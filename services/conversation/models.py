"""Tables of the conversation service (schema ``conversation``): a read model rebuilt from the event log."""

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text, func

metadata = MetaData(schema="conversation")

conversations = Table(
    "conversations",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("conversation_id", String(64), primary_key=True),
    Column("channel", String(64), nullable=False),
    Column("customer_id", String(200), nullable=True),
    Column("status", String(32), nullable=False),
    Column("last_position", BigInteger, nullable=False, server_default="0"),
    Column("event_count", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

transcript_entries = Table(
    "transcript_entries",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("conversation_id", String(64), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# The latest quota state billing announced per tenant (plan.quota_state_changed): consulted when a conversation opens.
quota_states = Table(
    "quota_states",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("month", String(7), nullable=False),
    Column("state", String(32), nullable=False),
    Column("behaviour", String(16), nullable=False),
    Column("refusal_message", Text, nullable=True),
    Column("position", BigInteger, nullable=False),
)
