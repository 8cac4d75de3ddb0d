"""Tables of the agent service (schema ``agent``)."""

from sqlalchemy import (
    JSON,
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
    Text,
    func,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

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

# Replays of recorded conversations against a candidate, and simulation runs (schema v2). Each runs as a task of the
# agent process that accepted it; its results are kept here as they come, so progress can be read from any replica.
replays = Table(
    "replays",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("candidate", JSON, nullable=False),
    Column("conversation_ids", JSON, nullable=False),
    Column("error", String(1000), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)

replay_results = Table(
    "replay_results",
    metadata,
    Column("replay_id", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("conversation_id", String(64), nullable=False),
    Column("diff", JSON, nullable=False),
)

simulations = Table(
    "simulations",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("suite_name", String(200), nullable=False),
    Column("candidate", JSON, nullable=True),
    Column("trials", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("report", JSON, nullable=True),
    Column("error", String(1000), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)

SANDBOX_TABLES = (replays, replay_results, simulations)  # added by schema v2

# Procedures (schema v3): each tenant's documents as written (``source``, YAML or JSON) and validated
# (``document``); ``version`` counts the changes of one procedure.
procedures = Table(
    "procedures",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("name", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("source", Text, nullable=False),
    Column("document", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

PROCEDURE_TABLES = (procedures,)  # added by schema v3

# Agent releases (schema v4): each tenant's immutable, numbered agent configurations; the draft's parts that are not
# the policy or procedures (tool changes); which releases serve new conversations; and who changed that, when.
agent_releases = Table(
    "agent_releases",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("config", JSON, nullable=False),
    Column("notes", String(2000), nullable=False, server_default=""),
    Column("gate", JSON, nullable=True),
    Column("published_by", String(200), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

release_drafts = Table(
    "release_drafts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("tools", JSON, nullable=True),
    Column("gate_policy", JSON, nullable=True),
    Column("knowledge", JSON, nullable=True),  # added by schema v6: the draft's knowledge scope
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

release_rollouts = Table(
    "release_rollouts",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("stable", Integer, nullable=False),
    Column("canary", Integer, nullable=True),
    Column("share", Numeric(5, 2), nullable=False, server_default="0"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

release_actions = Table(
    "release_actions",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("release", Integer, nullable=True),
    Column("share", Numeric(5, 2), nullable=True),
    Column("actor", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

RELEASE_TABLES = (agent_releases, release_drafts, release_rollouts, release_actions)  # added by schema v4

# What each conversation under a release came to (schema v5), projected from the log by the release-figures
# consumer: the figures per release (cost, resolution, handoffs, CSAT) are sums over these rows.
release_conversations = Table(
    "release_conversations",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("conversation_id", String(64), primary_key=True),
    Column("release", Integer, nullable=False, index=True),
    Column("cost_usd", Numeric(20, 10), nullable=False, server_default="0"),
    Column("turns", Integer, nullable=False, server_default="0"),
    Column("handed_off", Boolean, nullable=False, server_default="false"),
    Column("resolved_by", String(8), nullable=True),
    Column("csat", Integer, nullable=True),
    Column("position", BigInteger, nullable=False),
)


# Publish gates as jobs (schema v7): a run gates the draft as it was when asked (``config``), reports its progress
# and verdict, and (``publish``) creates the release when it passes. ``heartbeat_at`` is kept fresh by the process
# running it; a run whose heartbeat stops (its process died) is marked failed by any replica.
release_gate_runs = Table(
    "release_gate_runs",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("status", String(16), nullable=False),  # queued | running | passed | blocked | failed
    Column("publish", Boolean, nullable=False),
    Column("notes", String(2000), nullable=False, server_default=""),
    Column("requested_by", String(200), nullable=False),
    Column("config", JSON, nullable=False),
    Column("progress", JSON, nullable=False),
    Column("report", JSON, nullable=True),
    Column("release", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    # Schema v8: what was gated (the draft, the gate policy, the suites), hashed; a publish of a draft whose last
    # verdict under the same policy and suites was ``blocked`` is refused at once (docs/decisions/0046).
    Column("fingerprint", String(64), nullable=True),
)
Index("release_gate_runs_verdicts", release_gate_runs.c.tenant_id, release_gate_runs.c.fingerprint)

# Stored simulation suites (schema v9): each tenant's named suites, as written (``source``, YAML or JSON) and
# validated (``document``); every publish gate runs all of them (docs/releases.md).
simulation_suites = Table(
    "simulation_suites",
    metadata,
    Column("tenant_id", String(64), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("source", Text, nullable=False),
    Column("document", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)


async def add_gate_fingerprint(conn: AsyncConnection) -> None:
    """Schema v8: gate runs record what they gated (a new database got the column with the table, in v7)."""
    await conn.execute(text("ALTER TABLE agent.release_gate_runs ADD COLUMN IF NOT EXISTS fingerprint VARCHAR(64)"))
    await conn.execute(
        text(
            "CREATE INDEX IF NOT EXISTS release_gate_runs_verdicts ON agent.release_gate_runs (tenant_id, fingerprint)"
        )
    )


async def add_draft_knowledge(conn: AsyncConnection) -> None:
    """Schema v6: the draft's knowledge scope (a new database got the column from version 1)."""
    await conn.execute(text("ALTER TABLE agent.release_drafts ADD COLUMN IF NOT EXISTS knowledge JSON"))
