"""The figures per release on a real database: a model call of a conversation under no release costs no statement
and no transaction (it says so itself); one under a release, or one recorded before calls said so, is counted once
however often it is delivered."""

from __future__ import annotations

from decimal import Decimal

from libs.events import SYSTEM, AgentTurnStarted, Envelope, EventLog, LlmCalled, RecordedEvent, new_id
from libs.events.catalog.base import EventPayload
from services.agent.app import create_app
from services.agent.config import AgentSettings
from services.agent.providers import ModelRequest, ModelResponse
from services.agent.repository import FigureRepository
from tests.support import database_work, provision_tenant, running


class GreetingModel:
    provider = "anthropic"
    model = "claude-sonnet-4-6"

    async def complete(self, request: ModelRequest) -> ModelResponse:
        return ModelResponse("Hello!", [], 100, 10, "end_turn")


def call(release: int | str | None, cost: str) -> LlmCalled:
    return LlmCalled.model_validate(
        {
            "turn_id": "turn-1",
            "provider": "anthropic",
            "model": "claude-sonnet-4-6",
            "input_tokens": 100,
            "output_tokens": 10,
            "latency_ms": 1.0,
            "cost_usd": cost,
            "stop_reason": "end_turn",
            "release": release,
        }
    )


async def test_a_model_call_under_no_release_costs_no_statement_and_one_under_a_release_counts_once(
    nats_url: str, database_url: str, event_log: EventLog
) -> None:
    settings = AgentSettings.model_validate({"NATS_URL": nats_url, "DATABASE_URL": database_url})
    async with running(create_app(settings, model=GreetingModel())) as (_client, runtime):
        tenant = (await provision_tenant(event_log, runtime)).tenant_id
        figures = next(s for s in runtime.subscriptions if s.name == "release-figures")
        assert figures.batch_handler is not None
        released, unreleased = new_id("conv"), new_id("conv")

        def at(position: int, conversation: str, payload: EventPayload) -> RecordedEvent:
            envelope = Envelope.new(payload, tenant_id=tenant, conversation_id=conversation, actor=SYSTEM)
            return RecordedEvent(position, envelope)

        started = AgentTurnStarted(turn_id="turn-1", trigger_event_id="m", provider="anthropic", model="m", release=3)
        await figures.handler(at(10, released, started))
        unreleased_calls = [at(20, unreleased, call(None, "0.50")), at(21, unreleased, call(None, "0.25"))]
        with database_work(runtime) as seen:
            await figures.handler(unreleased_calls[0])
            await figures.batch_handler(unreleased_calls)
        assert seen == []

        counted = [at(11, released, call(3, "0.50")), at(12, released, call("unknown", "0.25"))]
        with database_work(runtime) as seen:
            await figures.batch_handler([*counted, unreleased_calls[1]])
            await figures.handler(counted[0])  # redelivered: counted once
        assert len([s for s in seen if s.lstrip().upper().startswith("UPDATE")]) == 3

        async with runtime.unit_of_work() as uow:
            rows = await FigureRepository(uow.session).figures(tenant)
        assert [(r.release, r.conversations, r.turns, r.cost_usd) for r in rows] == [(3, 1, 1, Decimal("0.75"))]
