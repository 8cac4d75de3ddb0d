"""Tables of the conversation service (schema ``conversation``): a read model rebuilt from the event log."""

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

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
    # set when the conversation was erased (its key destroyed, its customer and texts redacted): schema v3
    Column("erased_at", DateTime(timezone=True), nullable=True),
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

# Web chat: public per-tenant widget keys (only their SHA-256 digest is stored) with the origins allowed to use them.
# ``key_prefix`` (the first characters, to recognise a key in a page's source) and ``revoked_at`` came with schema v2
# (repository.add_widget_key_revocation); keys created before it have no prefix.
widget_keys = Table(
    "widget_keys",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("key_sha256", String(64), nullable=False, unique=True),
    Column("allowed_origins", ARRAY(String(300)), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("key_prefix", String(16), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)


# Which widget session opened which conversation: the per-conversation client token (digest only) it must present.
chat_sessions = Table(
    "chat_sessions",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("conversation_id", String(64), primary_key=True),
    Column("key_id", String(64), nullable=False),
    Column("token_sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Email: each tenant's support addresses, the email conversations (who writes, to which address, about what) and
# every Message-ID seen or sent in a conversation, so that replies (In-Reply-To / References) find their thread.
email_addresses = Table(
    "email_addresses",
    metadata,
    Column("address", String(320), primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
)

# A registration waiting for proof of ownership: the code mailed to the address, kept only as its SHA-256 digest.
# The address receives mail (``email_addresses``) only once the code comes back; then the claim is gone.
email_address_claims = Table(
    "email_address_claims",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("address", String(320), primary_key=True),
    Column("code_sha256", String(64), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
)

email_conversations = Table(
    "email_conversations",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("conversation_id", String(64), primary_key=True),
    Column("customer_address", String(320), nullable=False),
    Column("support_address", String(320), nullable=False),
    Column("subject", Text, nullable=False),
)

email_messages = Table(
    "email_messages",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("message_id", String(998), primary_key=True),
    Column("conversation_id", String(64), nullable=False),
    Column("direction", String(8), nullable=False),
    # the outbound reply's event: sending is recorded per event, so a redelivered reply is not mailed again
    Column("event_id", String(64), nullable=True, unique=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# Data-subject requests (erasures and exports) and each service's answer: ``answers`` maps a service to what it
# reported (rows redacted, or its export part's object name). The subject itself is kept only as a salted digest.
privacy_requests = Table(
    "privacy_requests",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("request_id", String(64), primary_key=True),
    Column("kind", String(8), nullable=False),  # erasure | export
    Column("requested_by", String(16), nullable=False),
    Column("subject_digest", String(80), nullable=False),
    Column("conversation_ids", ARRAY(String(64)), nullable=False),
    Column("answers", JSONB, nullable=False, server_default="{}"),
    Column("requested_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# A tenant's retention: its conversations last active more than ``days`` ago are erased
# (services/conversation/retention.py).
retention_policies = Table(
    "retention_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("days", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


async def add_privacy(conn: AsyncConnection) -> None:
    """Schema v3: conversations remember their erasure; the table of data-subject requests."""
    await conn.execute(text("ALTER TABLE conversation.conversations ADD COLUMN IF NOT EXISTS erased_at TIMESTAMPTZ"))
    await conn.run_sync(lambda sync: metadata.create_all(sync, tables=[privacy_requests]))
