"""Tables of the ticketing service (schema ``ticketing``).

SLA timers are columns of the ticket: ``<kind>_due_at`` (when it falls due), the time it was met
(``first_responded_at`` / ``resolved_at``) and ``<kind>_breached_at``, set once by the conditional claim in
``TicketRepository.claim_due_breaches`` (so a breach is emitted once, whatever the restarts or replicas).
"""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncConnection

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
    Column("assignee", String(64), nullable=True),  # agent_id
    Column("team", String(100), nullable=True),
    Column("tags", ARRAY(String(64)), nullable=False, server_default=text("'{}'")),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("first_response_due_at", DateTime(timezone=True), nullable=False),
    Column("first_responded_at", DateTime(timezone=True), nullable=True),
    Column("first_response_breached_at", DateTime(timezone=True), nullable=True),
    Column("resolution_due_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("resolution_breached_at", DateTime(timezone=True), nullable=True),
    Column("csat_score", Integer, nullable=True),
    Column("csat_comment", Text, nullable=True),
    Column("csat_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("status IN ('open', 'pending', 'resolved')", name="ticket_status"),
    CheckConstraint("csat_score IS NULL OR csat_score BETWEEN 1 AND 5", name="csat_range"),
    Index("tickets_by_conversation", "tenant_id", "conversation_id"),
    Index("tickets_inbox", "tenant_id", "status", "created_at"),
    # The SLA sweep only ever looks at running, unbreached timers: keep those indexes small.
    Index(
        "tickets_first_response_due",
        "first_response_due_at",
        postgresql_where=text("first_responded_at IS NULL AND first_response_breached_at IS NULL"),
    ),
    Index(
        "tickets_resolution_due",
        "resolution_due_at",
        postgresql_where=text("resolved_at IS NULL AND resolution_breached_at IS NULL"),
    ),
)

agents = Table(
    "agents",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("agent_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=True),
    Column("role", String(16), nullable=False),
    Column("team", String(100), nullable=True),
    Column("api_key_sha256", String(64), nullable=False, unique=True),  # the key itself is never stored
    Column("api_key_prefix", String(16), nullable=False),
    Column("availability", String(16), nullable=False, server_default="available"),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("last_assigned_at", DateTime(timezone=True), nullable=True),  # round-robin cursor
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("role IN ('owner', 'admin', 'agent')", name="agent_role"),
    CheckConstraint("availability IN ('available', 'away')", name="agent_availability"),
)

sla_policies = Table(
    "sla_policies",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("priority", String(16), primary_key=True),
    Column("first_response_seconds", Integer, nullable=False),
    Column("resolution_seconds", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

ticket_notes = Table(
    "ticket_notes",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("note_id", String(64), primary_key=True),
    Column("ticket_id", String(64), nullable=False),
    Column("agent_id", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("notes_by_ticket", "tenant_id", "ticket_id", "created_at"),
)


# A human agent's password (argon2id hash, with its salt and parameters): kept apart from the agent row, so that
# no query that lists or shows agents can ever read it.
agent_passwords = Table(
    "agent_passwords",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("agent_id", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ForeignKeyConstraint(["tenant_id", "agent_id"], ["ticketing.agents.tenant_id", "ticketing.agents.agent_id"]),
)

# Keys this service issued for the tenant: API keys an owner made (kind 'api') and the key of each human agent's
# sign-in (kind 'session', with its agent and an expiry). Only digests; every service learns them from
# api_key.issued / api_key.revoked.
issued_keys = Table(
    "issued_keys",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("key_id", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("agent_id", String(64), nullable=True),
    Column("api_key_sha256", String(64), nullable=False, unique=True),
    Column("api_key_prefix", String(16), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expires_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    CheckConstraint("kind IN ('api', 'session')", name="issued_key_kind"),
    CheckConstraint("role IN ('owner', 'admin', 'agent')", name="issued_key_role"),
    Index("issued_keys_by_agent", "tenant_id", "agent_id"),
)


# Single sign-on (OpenID Connect) per tenant: the issuer and client, the client secret sealed under the tenant's key
# (``services/ticketing/sso.py``), and how a claim of the ID token maps to a role.
sso_configs = Table(
    "sso_configs",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("issuer", String(500), nullable=False),
    Column("client_id", String(300), nullable=False),
    Column("client_secret_sealed", Text, nullable=False),
    Column("role_claim", String(100), nullable=False),
    Column("role_values", JSONB, nullable=False),
    Column("default_role", String(16), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # Why the issuer's discovery document could not be read when this was saved (sign-ins fail until it answers).
    Column("issuer_problem", String(500), nullable=True),
)

# A sign-in under way: only the digest of its ``state`` (nonce and PKCE verifier are derived from the state with the
# tenant's key, so nothing here opens anything); deleted when the browser comes back, so a state works once.
sso_attempts = Table(
    "sso_attempts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("state_sha256", String(64), primary_key=True),
    Column("redirect_uri", String(500), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Which agent an issuer's subject is: the account it signed in as the first time (made then, if none).
sso_identities = Table(
    "sso_identities",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("issuer", String(500), primary_key=True),
    Column("subject", String(255), primary_key=True),
    Column("agent_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    ForeignKeyConstraint(["tenant_id", "agent_id"], ["ticketing.agents.tenant_id", "ticketing.agents.agent_id"]),
)


async def add_accounts(conn: AsyncConnection) -> None:
    """Migration 2: the owner role, passwords and issued keys (on a database made before them)."""
    await conn.execute(text("ALTER TABLE ticketing.agents DROP CONSTRAINT IF EXISTS agent_role"))
    await conn.execute(
        text("ALTER TABLE ticketing.agents ADD CONSTRAINT agent_role CHECK (role IN ('owner', 'admin', 'agent'))")
    )
    await conn.run_sync(lambda sync: metadata.create_all(sync, tables=[agent_passwords, issued_keys]))


async def add_sso(conn: AsyncConnection) -> None:
    """Migration 3: single sign-on's configuration, attempts under way and identities."""
    await conn.run_sync(lambda sync: metadata.create_all(sync, tables=[sso_configs, sso_attempts, sso_identities]))


async def add_sso_issuer_problem(conn: AsyncConnection) -> None:
    """Migration 4: what the issuer answered when single sign-on was saved (its configuration is kept either way)."""
    await conn.execute(text("ALTER TABLE ticketing.sso_configs ADD COLUMN IF NOT EXISTS issuer_problem VARCHAR(500)"))


def instance_metadata() -> MetaData:
    """A copy of these tables on a new ``MetaData`` for one app instance.

    The runtime adds its own tables (``outbox``, ``tenants``) to the metadata it is given, and a ``MetaData`` cannot
    hold a table twice; a copy per instance lets several instances run in one process (restart and replica tests).
    Statements use the module-level tables above: same names, same schema.
    """
    copy = MetaData(schema=metadata.schema)
    for table in metadata.sorted_tables:
        table.to_metadata(copy)
    return copy
