"""Replaying conversations recorded on the real event log against candidates, in the sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pytest

from libs import demo_store
from libs.events import EventLog, new_id
from libs.events.subjects import conversation_filter
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy, ApprovalRule, Limits
from services.agent.providers import ModelRequest, ModelResponse, OfflineModel, ToolCall
from services.agent.replay.recording import UnknownConversations, recorded
from services.agent.replay.runner import ReplayTarget, replay, risks_of
from services.agent.sandbox.candidate import (
    OPERATOR,
    Caller,
    Candidate,
    CandidateModel,
    PreparedCandidate,
    build_model,
    prepare,
)
from services.agent.sandbox.documents import InvalidDocument
from services.agent.simulation.world import SEARCH_KNOWLEDGE
from services.agent.tests.fake_llm_server import fake_server, json_reply, sse_reply
from services.agent.tests.recording import record
from services.agent.tests.test_providers_openai import USAGE, chunk, tool_call_stream

TOOLS = list(demo_store.tool_specs())
ORDER_OR_EMAIL = "where is my order #1001? my email is ada@example.com"


async def candidate_of(spec: Mapping[str, object], policy: AgentPolicy | None = None) -> PreparedCandidate:
    base = (TOOLS, policy or AgentPolicy())
    return await prepare(Candidate.model_validate(spec), base, OfflineModel(), AgentSettings(), caller=OPERATOR)


def target(event_log: EventLog, tenant_id: str, candidate: PreparedCandidate) -> ReplayTarget:
    return ReplayTarget(event_log, tenant_id, risks_of(TOOLS, candidate.tools))


async def test_a_tool_description_change_shows_as_exactly_that_tool_difference(
    event_log: EventLog, tenant_id: str
) -> None:
    conv = await record(event_log, tenant_id, OfflineModel(), [ORDER_OR_EMAIL])
    new_description = "Look up an order's status by its number (ask for the number, never the email)."
    candidate = await candidate_of({"tools": {"descriptions": {"get_order_status": new_description}}})
    before = await event_log.read(tenant_id, conv)
    (diff,) = await replay([conv], candidate, target(event_log, tenant_id, candidate))

    assert diff.error is None
    (turn,) = diff.turns
    assert [(c.change, c.tool, c.write) for c in turn.tool_changes] == [
        ("missing", "list_customer_orders", False),
        ("added", "get_order_status", False),
    ]
    assert turn.tool_changes[1].candidate_arguments == {"order_number": "1001"}
    assert not turn.identical_actions
    assert not turn.write_difference
    assert not turn.handoff_changed
    assert not turn.limits_changed
    assert not turn.refusal_changed
    assert turn.candidate is not None
    assert [t.answered_from for t in turn.candidate.tools] == ["unrecorded"]  # no dry-run path in this test
    assert turn.reply_similarity is not None
    assert turn.reply_similarity < 1
    assert await event_log.read(tenant_id, conv) == before  # nothing of the replay reached the shared log


async def test_the_same_agent_replays_to_identical_actions_from_the_recording(
    event_log: EventLog, tenant_id: str
) -> None:
    messages = ["where is my order #1001?", "and what orders does ada@example.com have?", "thanks, a human please"]
    conv = await record(event_log, tenant_id, OfflineModel(), messages)
    candidate = await candidate_of({})
    (diff,) = await replay([conv], candidate, target(event_log, tenant_id, candidate))
    assert [t.message_index for t in diff.turns] == [0, 1, 2]
    assert diff.identical_actions
    assert all(t.reply_similarity == 1.0 for t in diff.turns[:2])
    assert diff.turns[2].candidate is not None
    assert diff.turns[2].candidate.handoff is not None
    answered = [a.answered_from for t in diff.turns if t.candidate for a in t.candidate.tools]
    assert answered == ["recorded", "recorded"]
    assert diff.recorded_model == diff.candidate_model == "offline/deskpilot-offline-1"
    assert diff.candidate_cost_usd == Decimal(0)


async def test_a_write_the_recording_never_made_is_never_executed_and_is_flagged(
    event_log: EventLog, tenant_id: str
) -> None:
    guarded = AgentPolicy(approval_rules=(ApprovalRule(tool="refund_order", argument="amount", above=Decimal(100)),))
    conv = await record(
        event_log, tenant_id, OfflineModel(), ["please refund $349 of order #1003"], policy=guarded, approve=False
    )
    candidate = await candidate_of({"policy": {"approval_rules": []}}, guarded)
    (diff,) = await replay([conv], candidate, target(event_log, tenant_id, candidate))
    (turn,) = diff.turns
    (change,) = turn.tool_changes
    assert (change.change, change.tool, change.write) == ("changed_approval", "refund_order", True)
    assert (change.recorded_approval, change.candidate_approval) == ("denied", "none")
    assert turn.write_difference
    assert turn.candidate is not None
    (refund,) = turn.candidate.tools
    assert refund.answered_from == "not_executed"
    assert "not executed" in refund.result_summary


class Runaway:
    """A model that never stops asking for one more order lookup."""

    provider, model = "offline", "deskpilot-offline-1"

    def __init__(self) -> None:
        self.calls = 0

    async def complete(self, _request: ModelRequest) -> ModelResponse:
        self.calls += 1
        call = ToolCall(new_id("call"), "get_order_status", {"order_number": str(1000 + self.calls)})
        return ModelResponse("", [call], 10, 10, "tool_use")


async def test_a_runaway_candidate_is_stopped_by_the_live_limits(event_log: EventLog, tenant_id: str) -> None:
    policy = AgentPolicy(limits=Limits(tool_calls_per_turn=3, model_calls_per_turn=20))
    conv = await record(event_log, tenant_id, OfflineModel(), ["where is my order #1001?"], policy=policy)
    runaway = Runaway()
    candidate = PreparedCandidate("runaway", runaway, TOOLS, policy, owns_model=False)
    (diff,) = await replay([conv], candidate, target(event_log, tenant_id, candidate))
    (turn,) = diff.turns
    assert turn.candidate is not None
    assert turn.candidate.limits == ["tool_calls_per_turn"]
    assert turn.limits_changed
    assert turn.handoff_changed
    assert runaway.calls == 4  # the fourth call's answer would break the limit: the turn ends there


async def test_a_conversation_of_another_tenant_reads_as_unknown(event_log: EventLog, tenant_id: str) -> None:
    conv = await record(event_log, tenant_id, OfflineModel(), ["hello"])
    assert await event_log.read(tenant_id, conv)
    with pytest.raises(UnknownConversations):
        await recorded(event_log, new_id("ten"), conv)
    with pytest.raises(UnknownConversations):
        await recorded(event_log, tenant_id, "not a valid id")
    candidate = await candidate_of({})
    (failed,) = await replay(["conv_missing"], candidate, target(event_log, tenant_id, candidate))
    assert failed.error is not None
    assert "no such conversation" in failed.error
    assert conversation_filter(tenant_id, conv).startswith("dp.conv.")


async def test_a_tenant_never_sends_the_operators_keys_or_environment_to_a_url_it_chose() -> None:
    settings = AgentSettings.model_validate(
        {"ANTHROPIC_API_KEY": "operator-anthropic", "DESKPILOT_AGENT_OPENAI_COMPATIBLE_API_KEY": "operator-compat"}
    )
    tenant = Caller(operator=False, allow_private_urls=True)  # the fake listens on 127.0.0.1

    async def refused(spec: dict[str, object], field: str) -> str:
        with pytest.raises(InvalidDocument) as caught:
            await build_model(CandidateModel.model_validate(spec), settings, tenant)
        (problem,) = caught.value.problems
        assert problem.field == field
        return problem.message

    assert "operator's key is never sent" in await refused(
        {"provider": "anthropic", "base_url": "http://127.0.0.1:9"}, "model.base_url"
    )
    assert "command line" in await refused({"provider": "openai", "api_key_env": "PATH"}, "model.api_key_env")
    api_default = Caller(operator=False)
    local = CandidateModel.model_validate(
        {"provider": "openai_compatible", "model": "m", "base_url": "http://127.0.0.1:9"}
    )
    with pytest.raises(InvalidDocument, match="private or loopback"):
        await build_model(local, settings, api_default)
    reply = json_reply(
        {
            "id": "c",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "hi"}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }
    )
    async with fake_server([reply, reply]) as fake:
        spec = {"provider": "openai_compatible", "model": "m", "base_url": f"{fake.url}/v1"}
        own = await build_model(CandidateModel.model_validate(spec), settings, tenant)
        await own.complete(ModelRequest("s", [], []))
        keyed = await build_model(CandidateModel.model_validate({**spec, "api_key": "tenant-key"}), settings, tenant)
        await keyed.complete(ModelRequest("s", [], []))
    assert [r.headers["authorization"] for r in fake.requests] == ["Bearer not-needed", "Bearer tenant-key"]
    stored = Candidate.model_validate({"model": {**spec, "api_key": "tenant-key"}}).stored()
    assert "api_key" not in stored["model"]


async def test_a_candidate_on_an_openai_compatible_server_streams_through_the_real_sdk(
    event_log: EventLog, tenant_id: str
) -> None:
    conv = await record(event_log, tenant_id, OfflineModel(), ["where is my order #1001?"])
    text_reply = sse_reply(
        [
            (None, chunk({"role": "assistant", "content": "Your order is on its way"})),
            (None, chunk({}, finish="stop")),
            (None, chunk(None, usage=USAGE)),
            (None, "[DONE]"),
        ]
    )
    async with fake_server([tool_call_stream(), text_reply]) as fake:
        spec = {"model": {"provider": "openai_compatible", "model": "qwen2.5:7b", "base_url": f"{fake.url}/v1"}}
        candidate = await candidate_of(spec)
        (diff,) = await replay([conv], candidate, target(event_log, tenant_id, candidate))
        await candidate.close()
    assert diff.error is None, diff.error
    assert diff.identical_actions  # the same lookup, answered from the recording
    assert diff.candidate_model == "openai_compatible/qwen2.5:7b"
    (turn,) = diff.turns
    assert turn.candidate is not None
    assert turn.candidate.replies == ["Your order is on its way"]
    assert turn.reply_diff is not None
    assert [r.body["stream"] for r in fake.requests] == [True, True]


async def test_a_search_in_another_knowledge_scope_is_not_answered_from_the_recording(
    event_log: EventLog, tenant_id: str
) -> None:
    """A release that narrows the knowledge scope searches anew (the owning service's dry run, scoped), never with
    what the recorded, wider search found."""
    tools = [*TOOLS, SEARCH_KNOWLEDGE]
    conv = await record(event_log, tenant_id, OfflineModel(), ["what is your shipping policy?"], tools=tools)
    base = (tools, AgentPolicy())
    for spec, answered in (({}, ["recorded"]), ({"knowledge": ["col_faq"]}, ["unrecorded"])):
        candidate = await prepare(Candidate.model_validate(spec), base, OfflineModel(), AgentSettings(), OPERATOR)
        (diff,) = await replay([conv], candidate, ReplayTarget(event_log, tenant_id, risks_of(tools, tools)))
        (turn,) = diff.turns
        assert turn.candidate is not None
        assert [(t.tool, t.answered_from) for t in turn.candidate.tools] == [("search_knowledge", a) for a in answered]
