"""The agent API: the tools a tenant's agent sees, its policy, and human approvals of tool calls."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from libs.events import Actor, Envelope, ToolApprovalDecided
from libs.platform.http import HUMAN_AGENTS, ConflictException, ConversationId, PathId, Runtime, TenantId
from services.agent.policy import AgentPolicy
from services.agent.providers import HANDOFF_TOOL, ModelChoice, ModelConfigurationError
from services.agent.providers.pool import ModelPool
from services.agent.repository import CatalogRepository, PolicyRepository
from services.agent.schemas import (
    ApprovalDecision,
    Catalog,
    CatalogTool,
    ModelOptionInfo,
    ModelOptions,
    OperatorModel,
    PendingApproval,
    PendingApprovals,
)
from services.agent.state import fold
from services.agent.tenant_setup import TenantSetups

_DECISIONS = uuid.UUID("0b8f3f2e-6a49-4a0c-9b1e-4a2f0d1f7c11")


class AgentController(Controller):
    path = "/v1/agent"

    @get("/tools")
    async def tools(self, tenant_id: TenantId, runtime: Runtime, models: NamedDependency[ModelPool]) -> Catalog:
        """The tools this tenant's agent sees now (from every service's latest published catalog), and its model
        (the one its policy chose, else the operator's)."""
        async with runtime.db.session() as session:
            specs = await CatalogRepository(session).tools(tenant_id)
            model = models.for_policy(await PolicyRepository(session).get(tenant_id))
        return Catalog(
            provider=model.provider,
            model=model.model,
            tools=[
                CatalogTool(
                    name=t.name,
                    description=t.description,
                    service=t.service,
                    risk=t.risk,
                    input_schema=t.input_schema,
                    annotations=t.annotations,
                )
                for t in [*specs, HANDOFF_TOOL]
            ],
        )

    @get("/models")
    async def models(self, models: NamedDependency[ModelPool]) -> ModelOptions:
        """The providers a tenant may choose in its policy: whether the operator configured each, its default
        model and the models with a price (a tenant's model must have one: cost caps and billing need it)."""
        return ModelOptions(
            items=[
                ModelOptionInfo(
                    provider=o.provider,
                    available=o.available,
                    reason=o.reason,
                    default_model=o.default_model,
                    models=list(o.models),
                )
                for o in models.options()
            ],
            operator=OperatorModel(provider=models.default.provider, model=models.default.model),
        )

    @get("/policy")
    async def get_policy(self, tenant_id: TenantId, runtime: Runtime) -> AgentPolicy:
        """The tenant's agent policy: persona, instructions, limits (defaults unless set) and approval rules."""
        async with runtime.db.session() as session:
            return await PolicyRepository(session).get(tenant_id)

    @put("/policy")
    async def put_policy(
        self,
        tenant_id: TenantId,
        data: JSONBody[AgentPolicy],
        runtime: Runtime,
        setups: NamedDependency[TenantSetups],
        models: NamedDependency[ModelPool],
    ) -> AgentPolicy:
        """Replace the tenant's agent policy; this replica applies it from its next decision, others within 5 s.
        A ``model`` must be one the operator configured and priced (``GET /v1/agent/models``), else 409: the
        operator's configuration decides, not the request's shape."""
        if data.model is not None:
            try:
                models.check(ModelChoice(data.model.provider, data.model.model))
            except ModelConfigurationError as exc:
                raise ConflictException(detail=str(exc)) from exc
        async with runtime.unit_of_work() as uow:
            await PolicyRepository(uow.session).put(tenant_id, data)
        setups.invalidate(tenant_id)
        return data

    @get("/conversations/{conversation_id:str}/approvals", opt=HUMAN_AGENTS)
    async def pending(self, tenant_id: TenantId, conversation_id: ConversationId, runtime: Runtime) -> PendingApprovals:
        """Tool calls of this conversation waiting for a human's approval (a human agent's key may read them)."""
        recorded = await runtime.event_log.read(tenant_id, conversation_id)
        if not recorded:
            raise NotFoundException(f"no conversation {conversation_id}")
        state = fold(tenant_id, conversation_id, recorded)
        waiting = state.turn.awaiting_approval if state.turn else {}
        return PendingApprovals(
            conversation_id=conversation_id,
            items=[
                PendingApproval(tool_call_id=k, tool=v.tool, arguments=v.arguments, rule=v.rule)
                for k, v in waiting.items()
            ],
        )

    @post(
        "/conversations/{conversation_id:str}/approvals/{tool_call_id:str}",
        status_code=HTTP_202_ACCEPTED,
        opt=HUMAN_AGENTS,
    )
    async def decide_approval(
        self,
        tenant_id: TenantId,
        conversation_id: ConversationId,
        tool_call_id: PathId,
        data: JSONBody[ApprovalDecision],
        runtime: Runtime,
    ) -> dict[str, str]:
        """Approve or deny a waiting tool call (a human agent's key may decide); the agent resumes the turn from it."""
        state = fold(tenant_id, conversation_id, await runtime.event_log.read(tenant_id, conversation_id))
        if state.turn is None or tool_call_id not in state.turn.awaiting_approval:
            raise NotFoundException(f"no tool call {tool_call_id} waits for approval in conversation {conversation_id}")
        decision = Envelope.new(
            ToolApprovalDecided(
                tool_call_id=tool_call_id, approved=data.approved, decided_by=data.decided_by, note=data.note
            ),
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            actor=Actor(kind="human", id=data.decided_by),
            caused_by=state.last_event,
            # One decision per call: a repeated or concurrent POST collapses into the first (server-side dedup).
            event_id=str(uuid.uuid5(_DECISIONS, f"{tenant_id}:{conversation_id}:{tool_call_id}")),
        )
        await runtime.event_log.append(tenant_id, conversation_id, [decision], expected_version=None)
        return {"tool_call_id": tool_call_id, "decision": "approved" if data.approved else "denied"}
