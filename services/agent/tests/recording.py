"""Recording real conversations for replay tests: the live agent loop on the shared log, with the demo store's own
rules (in memory) standing in for the integrations service that would execute the tool calls."""

from __future__ import annotations

from collections.abc import Sequence

from libs import demo_store
from libs.demo_store import MemoryDemoStore, StoreError
from libs.events import (
    Actor,
    ConversationStarted,
    Envelope,
    EventLog,
    MessageReceived,
    ToolApprovalDecided,
    ToolCompleted,
    ToolFailed,
    ToolRequested,
    ToolSpec,
    new_id,
)
from libs.events.memory_log import MemoryEventLog
from services.agent.policy import AgentPolicy
from services.agent.procedures.compiled import Procedure
from services.agent.providers import ChatModel
from services.agent.service import Agent

CUSTOMER = Actor(kind="customer", id="cust-1")
INTEGRATIONS = Actor(kind="system", id="integrations")


async def _answer(log: EventLog | MemoryEventLog, tenant_id: str, conv: str, shop: MemoryDemoStore) -> int:
    events = await log.read(tenant_id, conv)
    done = {r.event.payload.tool_call_id for r in events if isinstance(r.event.payload, ToolCompleted | ToolFailed)}
    answered = 0
    for r in events:
        request = r.event.payload
        if not isinstance(request, ToolRequested) or request.tool_call_id in done:
            continue
        ids = {"turn_id": request.turn_id, "tool_call_id": request.tool_call_id, "tool": request.tool}
        result: ToolCompleted | ToolFailed
        try:
            out = await demo_store.run_tool(shop, request.tool, request.arguments, request.idempotency_key, False)
            result = ToolCompleted(**ids, result=out, latency_ms=3)
        except StoreError as exc:
            result = ToolFailed(**ids, kind=exc.kind, message=exc.message, latency_ms=3)
        envelope = Envelope.new(
            result, tenant_id=tenant_id, conversation_id=conv, actor=INTEGRATIONS, caused_by=r.event
        )
        await log.append(tenant_id, conv, [envelope], None)
        answered += 1
    return answered


async def record(
    log: EventLog | MemoryEventLog,
    tenant_id: str,
    model: ChatModel,
    messages: list[str],
    policy: AgentPolicy | None = None,
    tools: list[ToolSpec] | None = None,
    approve: bool | None = None,
    procedures: Sequence[Procedure] = (),
    shop: MemoryDemoStore | None = None,
) -> str:
    """A conversation of ``messages``, answered live by ``model``; returns its id. ``approve``: how a person
    decides calls that wait for approval (None: nobody decides)."""
    conv = new_id("conv")
    catalog = tools if tools is not None else list(demo_store.tool_specs())
    shop = shop or MemoryDemoStore()
    agent = Agent(log, model)
    await log.append(
        tenant_id,
        conv,
        [Envelope.new(ConversationStarted(), tenant_id=tenant_id, conversation_id=conv, actor=CUSTOMER)],
        0,
    )
    for text in messages:
        message = MessageReceived(message_id=new_id("msg"), text=text)
        await log.append(
            tenant_id, conv, [Envelope.new(message, tenant_id=tenant_id, conversation_id=conv, actor=CUSTOMER)], None
        )
        while True:
            progress = await agent.advance(tenant_id, conv, catalog, policy, procedures=procedures)
            turn = progress.state.turn
            if turn is None:
                break
            if turn.awaiting_approval and approve is not None:
                for call_id in list(turn.awaiting_approval):
                    decided = ToolApprovalDecided(tool_call_id=call_id, approved=approve, decided_by="alice")
                    human = Actor(kind="human", id="alice")
                    await log.append(
                        tenant_id,
                        conv,
                        [Envelope.new(decided, tenant_id=tenant_id, conversation_id=conv, actor=human)],
                        None,
                    )
                continue
            if not await _answer(log, tenant_id, conv, shop):
                break
    return conv
