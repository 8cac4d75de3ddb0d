"""The integrations API: available integrations and the audit log."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import Parameter

from libs.platform.http import Runtime, TenantId
from services.integrations.manifest import builtin_manifests
from services.integrations.repository import IntegrationsRepository
from services.integrations.schemas import AuditEntry, AuditPage, IntegrationInfo, IntegrationList


class IntegrationsController(Controller):
    path = "/v1/integrations"

    @get("/")
    async def list_integrations(self, tenant_id: TenantId, runtime: Runtime) -> IntegrationList:
        """Every integration Deskpilot knows, with this tenant's connection state."""
        items: list[IntegrationInfo] = []
        async with runtime.db.session() as session:
            repo = IntegrationsRepository(session)
            for manifest in builtin_manifests().values():
                conn = await repo.connection(tenant_id, manifest.name)
                items.append(
                    IntegrationInfo(
                        name=manifest.name,
                        title=manifest.title,
                        description=manifest.description,
                        auth=manifest.auth.type,
                        connected=conn is not None,
                        status=conn["status"] if conn else None,
                        mode=conn["mode"] if conn else None,
                        tools=[t.name for t in manifest.tools],
                    )
                )
        return IntegrationList(items=items)

    @get("/audit")
    async def audit(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        conversation_id: str | None = None,
        limit: int = Parameter(default=100, ge=1, le=1000),
    ) -> AuditPage:
        """What the AI did through integrations, newest first."""
        async with runtime.db.session() as session:
            rows = await IntegrationsRepository(session).audit_entries(tenant_id, conversation_id, limit)
        fields = AuditEntry.model_fields
        return AuditPage(items=[AuditEntry(**{k: r[k] for k in fields}) for r in rows])
