"""The data-subject rights API: erasures and exports of one customer's conversations across every service."""

from __future__ import annotations

from litestar import Controller, get, post, put
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from libs.platform.http import Runtime, TenantId
from services.conversation import privacy
from services.conversation.repository import PrivacyRepository
from services.conversation.schemas import PrivacyAccepted, PrivacyStatus, PrivacySubject, RetentionPolicy


def _subject(body: PrivacySubject) -> privacy.Subject:
    return privacy.Subject(body.customer_id, body.email, tuple(body.conversation_ids or ()))


class PrivacyController(Controller):
    path = "/v1/privacy"

    @post("/erasures", status_code=HTTP_202_ACCEPTED)
    async def erase(self, tenant_id: TenantId, runtime: Runtime, data: JSONBody[PrivacySubject]) -> PrivacyAccepted:
        """Erase a data subject: their conversations' keys are destroyed now, and every service redacts what it
        holds about them (GDPR art. 17). Idempotent: asking again erases nothing more and is harmless."""
        async with runtime.unit_of_work() as uow:
            erasure_id, ids = await privacy.request_erasure(runtime.event_log, uow, tenant_id, _subject(data), "api")
        return PrivacyAccepted(id=erasure_id, conversations=len(ids), status_url=f"/v1/privacy/erasures/{erasure_id}")

    @get("/erasures/{erasure_id:str}")
    async def erasure(self, tenant_id: TenantId, runtime: Runtime, erasure_id: FromPath[str]) -> PrivacyStatus:
        """An erasure's status, per service."""
        async with runtime.db.session() as session:
            request = await PrivacyRepository(session).get(tenant_id, erasure_id, "erasure")
        if request is None:
            raise NotFoundException(f"no erasure {erasure_id}")
        return PrivacyStatus(**privacy.status_of(request))

    @post("/exports", status_code=HTTP_202_ACCEPTED)
    async def export(self, tenant_id: TenantId, runtime: Runtime, data: JSONBody[PrivacySubject]) -> PrivacyAccepted:
        """Export everything the platform holds about a data subject (GDPR art. 15/20), assembled from every
        service's part."""
        async with runtime.unit_of_work() as uow:
            export_id, ids = await privacy.request_export(uow, tenant_id, _subject(data))
        return PrivacyAccepted(id=export_id, conversations=len(ids), status_url=f"/v1/privacy/exports/{export_id}")

    @get("/exports/{export_id:str}")
    async def exported(self, tenant_id: TenantId, runtime: Runtime, export_id: FromPath[str]) -> PrivacyStatus:
        """An export's status per service and, once complete, its bundle (schema ``deskpilot.privacy-export/v1``)."""
        async with runtime.db.session() as session:
            request = await PrivacyRepository(session).get(tenant_id, export_id, "export")
        if request is None:
            raise NotFoundException(f"no export {export_id}")
        return PrivacyStatus(**privacy.status_of(request), bundle=await privacy.bundle(runtime.event_log, request))

    @get("/retention")
    async def retention(self, tenant_id: TenantId, runtime: Runtime) -> RetentionPolicy:
        """This tenant's retention of conversations (``days: null`` when they are kept until erased)."""
        async with runtime.db.reader() as session:
            return RetentionPolicy(days=await PrivacyRepository(session).retention(tenant_id))

    @put("/retention")
    async def set_retention(
        self, tenant_id: TenantId, runtime: Runtime, data: JSONBody[RetentionPolicy]
    ) -> RetentionPolicy:
        """Set how long conversations are kept: an hourly run erases those last active more than ``days`` ago,
        exactly as an erasure request does (``requested_by: retention``); ``null`` removes the limit."""
        async with runtime.unit_of_work() as uow:
            await PrivacyRepository(uow.session).set_retention(tenant_id, data.days)
        return data
