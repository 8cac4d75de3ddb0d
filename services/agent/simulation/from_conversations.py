"""Suites grown from production: each chosen recorded conversation becomes a task whose customer says what the real
customer said, whose tools answer what they answered then, and whose expected end state is what the agent did:
the calls it made (with their arguments), the approvals it asked for, whether it handed over, and no write it did
not make."""

from __future__ import annotations

from typing import Any

from libs.events import (
    ConversationStarted,
    EventLog,
    RecordedEvent,
    ToolApprovalDecided,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    ToolSpec,
)
from services.agent.policy import AgentPolicy
from services.agent.providers import HANDOFF_TOOL
from services.agent.replay.recording import recorded
from services.agent.sandbox.actions import customer_messages, turns_of
from services.agent.simulation.suite import (
    Customer,
    Expect,
    FakeResponse,
    FakeTool,
    Setup,
    Suite,
    Task,
    ToolCallMatch,
)


def _responses(events: list[RecordedEvent]) -> dict[str, list[FakeResponse]]:
    """Each tool's recorded answers, keyed by the arguments it was called with."""
    asked: dict[str, ToolRequested] = {}
    out: dict[str, list[FakeResponse]] = {}
    for r in events:
        p = r.event.payload
        if isinstance(p, ToolRequested):
            asked[p.tool_call_id] = p
        elif isinstance(p, ToolCompleted | ToolFailed) and p.tool_call_id in asked:
            request = asked[p.tool_call_id]
            if isinstance(p, ToolCompleted):
                answer = FakeResponse(when=request.arguments, result=p.result)
            else:
                answer = FakeResponse(when=request.arguments, error=p.message, kind=p.kind)
            out.setdefault(p.tool, []).append(answer)
    return out


def _fake_catalog(catalog: list[ToolSpec], responses: dict[str, list[FakeResponse]]) -> list[FakeTool]:
    tools = [t for t in catalog if t.name != HANDOFF_TOOL.name]
    known = {t.name for t in tools}
    fakes = [
        FakeTool(
            name=t.name,
            description=t.description,
            input_schema=t.input_schema,
            risk=t.risk,
            responses=responses.get(t.name, []),
        )
        for t in tools
    ]
    # A tool the conversation used that has left the catalog since: kept, so the task can still be answered.
    fakes += [
        FakeTool(name=name, description=f"{name} (no longer in the catalog)", responses=answers)
        for name, answers in responses.items()
        if name not in known
    ]
    return fakes


def task_from(conversation_id: str, events: list[RecordedEvent], catalog: list[ToolSpec]) -> Task:
    """One recorded conversation as a suite task (see the module docstring)."""
    risks = {t.name: t.risk for t in catalog}
    turns = turns_of(events, risks)
    actions = [a for t in turns for a in t.tools]
    executed = [
        a for a in actions if a.approval in ("none", "approved") and a.outcome.startswith(("completed", "failed"))
    ]
    unique: dict[str, ToolCallMatch] = {}
    for a in executed:
        unique.setdefault(f"{a.tool}:{sorted(a.arguments.items())}", ToolCallMatch(tool=a.tool, arguments=a.arguments))
    written = {a.tool for a in executed}
    started = next((r.event.payload for r in events if isinstance(r.event.payload, ConversationStarted)), None)
    decisions = [r.event.payload.approved for r in events if isinstance(r.event.payload, ToolApprovalDecided)]
    messages = customer_messages(events)
    return Task(
        id=conversation_id,
        description=f"recorded conversation {conversation_id}: {messages[0][:100] if messages else ''}",
        customer=Customer(messages=messages, customer_id=started.customer_id if started else None),
        setup=Setup(
            integrations=[],
            tools=_fake_catalog(catalog, _responses(events)),
            approvals="approve" if decisions and all(decisions) else "deny",
        ),
        expect=Expect(
            tool_calls=list(unique.values()),
            no_tool_calls=[ToolCallMatch(tool=t.name) for t in catalog if t.risk != "read" and t.name not in written],
            approval_requested=[
                ToolCallMatch(tool=a.tool, arguments=a.arguments) for a in actions if a.approval != "none"
            ],
            handoff=any(t.handoff is not None for t in turns),
        ),
    )


async def suite_from_conversations(
    log: EventLog, tenant_id: str, ids: list[str], catalog: list[ToolSpec], policy: AgentPolicy, name: str
) -> Suite:
    """A suite of ``ids`` (this tenant's conversations; ``UnknownConversations`` otherwise) under ``policy``."""
    tasks: list[Task] = []
    for conversation_id in dict.fromkeys(ids):
        events = await recorded(log, tenant_id, conversation_id)
        if customer_messages(events):
            tasks.append(task_from(conversation_id, events, catalog))
    changed: dict[str, Any] = policy.model_dump(mode="json", exclude_defaults=True)
    return Suite(
        suite=name,
        description=f"{len(tasks)} recorded conversations; their recorded actions are the expected end state",
        setup=Setup(integrations=[], policy=changed),
        tasks=tasks,
    )
