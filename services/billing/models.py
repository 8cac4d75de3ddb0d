"""Tables of the billing service (schema ``billing``). Money is NUMERIC: exact decimal, never float.

Everything except ``tenant_plans``, ``usage_thresholds`` and ``quota_state`` is a pure projection of the
conversation log: ``deskpilot billing rebuild`` recomputes it and must find the same rows.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    func,
)

metadata = MetaData(schema="billing")

# Ten decimal places: every price per million tokens and per call in libs.pricing is exact at this scale.
MONEY = Numeric(20, 10)

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
    Column("outcome", String(16), nullable=True),  # tool calls: completed | failed
    Column("error_kind", String(32), nullable=True),  # tool.failed kind
    Column("discarded", Boolean, nullable=False, server_default="false"),
    Column("input_tokens", Integer, nullable=False, server_default="0"),
    Column("output_tokens", Integer, nullable=False, server_default="0"),
    Column("cache_read_tokens", Integer, nullable=False, server_default="0"),
    Column("cache_write_tokens", Integer, nullable=False, server_default="0"),
    Column("cost_usd", MONEY, nullable=False),
    Column("priced_from", String(16), nullable=False),  # price_table | event (model missing from the table)
    Column("position", BigInteger, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Index("ix_ledger_tenant_conversation", "tenant_id", "conversation_id"),
    Index("ix_ledger_tenant_occurred", "tenant_id", "occurred_at"),
    Index("ix_ledger_tenant_turn", "tenant_id", "turn_id"),  # closing a turn sums its entries
)

turn_usage = Table(
    "turn_usage",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("turn_id", String(64), primary_key=True),
    Column("conversation_id", String(64), nullable=False),
    Column("llm_calls", Integer, nullable=False),
    Column("tool_calls", Integer, nullable=False),
    Column("input_tokens", BigInteger, nullable=False),
    Column("output_tokens", BigInteger, nullable=False),
    Column("cost_usd", MONEY, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# One row per conversation that had at least one customer message: when, and how it ended.
conversation_meters = Table(
    "conversation_meters",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("conversation_id", String(64), primary_key=True),
    Column("first_message_at", DateTime(timezone=True), nullable=True),
    Column("human_involved_at", DateTime(timezone=True), nullable=True),  # first handoff / human.assigned / .replied
    Column("resolved_by", String(8), nullable=True),  # ai | human (first conversation.resolved)
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("ai_resolution", Boolean, nullable=False, server_default="false"),  # resolved by AI, no human involved
)

# Monthly active conversations: a conversation counts once in every month it received a customer message.
active_conversations = Table(
    "active_conversations",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),  # YYYY-MM, UTC
    Column("conversation_id", String(64), primary_key=True),
    Column("first_message_at", DateTime(timezone=True), nullable=False),
)

tenant_plans = Table(
    "tenant_plans",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("plan", String(32), nullable=False),
    Column("over_limit_behaviour", String(16), nullable=False),  # handoff | refuse
    Column("refusal_message", String(500), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Thresholds already announced (usage.alert 80/100, quota.exceeded): each at most once per tenant and month.
usage_thresholds = Table(
    "usage_thresholds",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("threshold", String(16), primary_key=True),  # alert_80 | alert_100 | hard_limit
    Column("used", Integer, nullable=False),
    Column("announced_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The last plan.quota_state_changed announced per tenant, so a state is announced once per change.
quota_state = Table(
    "quota_state",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("month", String(7), nullable=False),
    Column("state", String(16), nullable=False),  # within_limits | over_hard_limit
    Column("behaviour", String(16), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
