"""Composition root of the agent service."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from litestar import Litestar

from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from libs.pricing import price_for
from services.agent.config import AgentSettings
from services.agent.endpoints import AgentController
from services.agent.handlers import subscriptions
from services.agent.models import metadata
from services.agent.providers import ChatModel, OfflineModel
from services.agent.service import Agent, Limits

NAME = "agent"
log = logging.getLogger("deskpilot.agent")


def create_app(settings: AgentSettings | None = None, model: ChatModel | None = None) -> Litestar:
    settings = settings or AgentSettings()
    chosen: ChatModel = model or OfflineModel()
    # Fail at start-up, not after a paid model call, if the model's cost cannot be computed.
    price_for(chosen.provider, chosen.model, datetime.now(UTC).date())
    if chosen.provider == "offline":
        log.warning(
            "agent: no LLM configured; using the OFFLINE demo model %s (deterministic rules, not an LLM)", chosen.model
        )
    runtime = ServiceRuntime(NAME, settings, metadata, [create_all_migration(metadata)])
    limits = Limits(settings.max_model_calls_per_turn, settings.max_tool_calls_per_turn)
    agent = Agent(runtime.event_log, chosen, limits)
    for sub in subscriptions(runtime, agent, settings.concurrency):
        runtime.subscribe(sub)
    return build_app(runtime, [AgentController], model=chosen)
