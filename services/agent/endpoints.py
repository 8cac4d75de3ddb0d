"""The agent API: what the tenant's agent can do."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from libs.platform.http import Runtime, TenantId
from services.agent.providers import HANDOFF_TOOL, ChatModel
from services.agent.repository import CatalogRepository
from services.agent.schemas import Catalog, CatalogTool


class AgentController(Controller):
    path = "/v1/agent"

    @get("/tools")
    async def tools(self, tenant_id: TenantId, runtime: Runtime, model: NamedDependency[ChatModel]) -> Catalog:
        """The tools this tenant's agent sees now (from every service's latest published catalog), and its model."""
        async with runtime.db.session() as session:
            specs = await CatalogRepository(session).tools(tenant_id)
        return Catalog(
            provider=model.provider,
            model=model.model,
            tools=[
                CatalogTool(
                    name=t.name, description=t.description, service=t.service, risk=t.risk, input_schema=t.input_schema
                )
                for t in [*specs, HANDOFF_TOOL]
            ],
        )
