"""Composition root of the agent service."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from litestar import Litestar

from libs.events.streaming import ReplyDelta
from libs.events.subjects import reply_stream_subject
from libs.platform.db import Migration
from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from libs.pricing import price_for
from services.agent import privacy
from services.agent.config import AgentSettings
from services.agent.deadlines import TurnDeadlines
from services.agent.endpoints import AgentController
from services.agent.handlers import subscriptions, waker
from services.agent.models import (
    PROCEDURE_TABLES,
    RELEASE_TABLES,
    SANDBOX_TABLES,
    add_draft_knowledge,
    add_gate_fingerprint,
    metadata,
    release_conversations,
    release_gate_runs,
    simulation_suites,
)
from services.agent.procedures.endpoints import ProcedureController
from services.agent.providers import ChatModel, select_model
from services.agent.providers.pool import ModelPool
from services.agent.releases.endpoints import ReleaseController
from services.agent.releases.jobs import GateJobs
from services.agent.releases.publishing import Releases
from services.agent.replay.endpoints import ReplayController
from services.agent.replay.jobs import ReplayJobs, tenant_candidates
from services.agent.sandbox.background import Background
from services.agent.service import Agent
from services.agent.simulation.endpoints import SimulationController
from services.agent.simulation.jobs import SimulationJobs
from services.agent.tenant_setup import TenantSetups

NAME = "agent"
log = logging.getLogger("deskpilot.agent")
MIGRATIONS = [
    create_all_migration(metadata),
    create_all_migration(metadata, 2, "replays and simulations", tables=SANDBOX_TABLES),
    create_all_migration(metadata, 3, "procedures", tables=PROCEDURE_TABLES),
    create_all_migration(metadata, 4, "agent releases", tables=RELEASE_TABLES),
    create_all_migration(metadata, 5, "release figures", tables=[release_conversations]),
    Migration(6, "release drafts: knowledge scope", add_draft_knowledge),
    create_all_migration(metadata, 7, "publish gates as jobs", tables=[release_gate_runs]),
    Migration(8, "gate runs: what they gated", add_gate_fingerprint),
    create_all_migration(metadata, 9, "stored simulation suites", tables=[simulation_suites]),
]


def create_app(settings: AgentSettings | None = None, model: ChatModel | None = None) -> Litestar:
    settings = settings or AgentSettings()
    chosen: ChatModel = model or select_model(settings)
    # Fail at start-up, not after a paid model call, if the model's cost cannot be computed.
    price_for(chosen.provider, chosen.model, datetime.now(UTC).date())
    if chosen.provider == "offline":
        log.warning(
            "agent: no LLM configured; using the OFFLINE demo model %s (deterministic rules, not an LLM)", chosen.model
        )
    runtime = ServiceRuntime(NAME, settings, metadata, MIGRATIONS)
    runtime.privacy.handle(privacy.redact)

    async def publish_delta(delta: ReplyDelta) -> None:
        subject = reply_stream_subject(delta.tenant_id, delta.conversation_id)
        await runtime.nc.publish(subject, delta.model_dump_json().encode())

    pool = ModelPool(settings, chosen)
    agent = Agent(runtime.event_log, chosen, deltas=publish_delta, measured=True, models=pool.for_policy)
    deadlines = TurnDeadlines(runtime.db.sessions)
    background = Background(settings.sandbox_runs)
    runtime.on_stop(background.stop)  # first: runs cut short are marked failed while the database is there
    runtime.on_stop(pool.aclose)  # the provider SDKs' HTTP clients
    setups = TenantSetups(runtime.db.sessions)
    replays = ReplayJobs(runtime, background, tenant_candidates(setups, pool.for_policy, settings))
    simulations = SimulationJobs(runtime, background, pool.for_policy, settings, setups)
    releases = Releases(runtime, setups, pool.for_policy, settings)
    gates = GateJobs(runtime, background, releases, settings.gate_stale_after)
    runtime.add_background(
        "gate-sweep",
        gates.sweep_forever,
        does="every 5 s, keep this process's publish gates alive; mark failed those whose process died",
    )
    wake = waker(agent, setups, deadlines)
    for sub in subscriptions(runtime, wake, setups, settings.concurrency):
        runtime.subscribe(sub)
    runtime.add_background(
        "turn-sweep",
        lambda: deadlines.sweep_forever(lambda t, c: wake(t, c, 0)),
        does="when a deadline is due (or every 10 s), wake turns waiting for tools past it (the agent hands over)",
    )
    return build_app(
        runtime,
        [AgentController, ProcedureController, ReleaseController, ReplayController, SimulationController],
        model=chosen,
        models=pool,
        setups=setups,
        replays=replays,
        simulations=simulations,
        releases=releases,
        gates=gates,
    )
