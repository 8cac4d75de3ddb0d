"""The procedures API: ``/v1/agent/procedures`` — list, read, create, replace, delete, and check without saving.
Every document is validated against the tenant's tools; the answer names the line and field of every problem: 422
for a document that is wrong in itself, 409 for one that names what the tenant does not have."""

from __future__ import annotations

from typing import Any

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from libs.platform.http import ConflictException, Runtime, TenantId
from services.agent.procedures.compiled import load_procedure
from services.agent.procedures.document import ProcedureDocument
from services.agent.procedures.schemas import (
    DocumentProblem,
    ProcedureCheck,
    ProcedureInput,
    ProcedureList,
    ProcedureSummary,
    ProcedureView,
)
from services.agent.providers import HANDOFF_TOOL
from services.agent.repository import CatalogRepository, ProcedureRepository, ProcedureRow
from services.agent.sandbox.documents import InvalidDocument, Problem, line_of, parse
from services.agent.sandbox.http import refused
from services.agent.tenant_setup import TenantSetups


def _summary(row: ProcedureRow) -> dict[str, Any]:
    document = ProcedureDocument.model_validate(row.document)
    return {
        "name": row.name,
        "version": row.version,
        "enabled": document.enabled,
        "applies_when": document.applies_when,
        "keywords": list(document.keywords),
        "tools": list(document.tools),
        "guarded_tools": sorted({g.tool for g in document.guards}),
        "updated_at": row.updated_at,
    }


def _view(row: ProcedureRow) -> ProcedureView:
    return ProcedureView(**_summary(row), source=row.source, document=row.document, created_at=row.created_at)


async def _validated(runtime: Runtime, tenant_id: str, data: ProcedureInput) -> ProcedureDocument:
    async with runtime.db.session() as session:
        catalog = [*await CatalogRepository(session).tools(tenant_id), HANDOFF_TOOL]
    return load_procedure(data.source, catalog)


def _named(document: ProcedureDocument, source: str, name: str) -> None:
    """A replacement names the procedure it replaces: one named otherwise is a representation inconsistent with the
    target resource, 409 (RFC 9110, 9.3.4), with the field and its line."""
    if document.name != name:
        line = line_of(parse(source, "procedure")[1], ("name",))
        message = f"must be {name!r}, the procedure replaced"
        raise InvalidDocument("procedure", [Problem("name", message, line, held=True)])


class ProcedureController(Controller):
    path = "/v1/agent/procedures"

    @get("/")
    async def list_procedures(self, tenant_id: TenantId, runtime: Runtime) -> ProcedureList:
        """This tenant's procedures, by name."""
        async with runtime.db.session() as session:
            rows = await ProcedureRepository(session).all(tenant_id)
        return ProcedureList(items=[ProcedureSummary(**_summary(r)) for r in rows])

    @get("/{name:str}")
    async def show(self, tenant_id: TenantId, name: FromPath[str], runtime: Runtime) -> ProcedureView:
        """One procedure: the document as written and as validated."""
        async with runtime.db.session() as session:
            row = await ProcedureRepository(session).get(tenant_id, name)
        if row is None:
            raise NotFoundException(f"no procedure {name!r}")
        return _view(row)

    @post("/", status_code=HTTP_201_CREATED)
    async def create(
        self,
        tenant_id: TenantId,
        data: JSONBody[ProcedureInput],
        runtime: Runtime,
        setups: NamedDependency[TenantSetups],
    ) -> ProcedureView:
        """Add a procedure (version 1); 422 names the line and field of every problem, 409 those that rest on the
        tenant's tools (a tool it does not have, a field its tool lacks), and a name that is taken."""
        try:
            document = await _validated(runtime, tenant_id, data)
        except InvalidDocument as exc:
            raise refused(exc) from exc
        async with runtime.unit_of_work() as uow:
            row = await ProcedureRepository(uow.session).create(
                tenant_id, document.name, data.source, document.model_dump(mode="json")
            )
        if row is None:
            raise ConflictException(f"there is a procedure {document.name!r} already; replace it with PUT")
        setups.invalidate(tenant_id)
        return _view(row)

    @put("/{name:str}")
    async def replace(
        self,
        tenant_id: TenantId,
        name: FromPath[str],
        data: JSONBody[ProcedureInput],
        runtime: Runtime,
        setups: NamedDependency[TenantSetups],
    ) -> ProcedureView:
        """Replace a procedure (its next version): 404 if there is none of that name; then as a create, and 409 if
        the document's `name` is not the one in the path."""
        async with runtime.db.session() as session:
            if await ProcedureRepository(session).get(tenant_id, name) is None:
                raise NotFoundException(f"no procedure {name!r}")
        try:
            document = await _validated(runtime, tenant_id, data)
            _named(document, data.source, name)
        except InvalidDocument as exc:
            raise refused(exc) from exc
        async with runtime.unit_of_work() as uow:
            row = await ProcedureRepository(uow.session).replace(
                tenant_id, name, data.source, document.model_dump(mode="json")
            )
        if row is None:
            raise NotFoundException(f"no procedure {name!r}")
        setups.invalidate(tenant_id)
        return _view(row)

    @delete("/{name:str}", status_code=HTTP_204_NO_CONTENT)
    async def remove(
        self, tenant_id: TenantId, name: FromPath[str], runtime: Runtime, setups: NamedDependency[TenantSetups]
    ) -> None:
        """Delete a procedure: its guards stop holding from this replica's next decision (others' within 5 s)."""
        async with runtime.unit_of_work() as uow:
            found = await ProcedureRepository(uow.session).delete(tenant_id, name)
        if not found:
            raise NotFoundException(f"no procedure {name!r}")
        setups.invalidate(tenant_id)

    @post("/check", status_code=HTTP_200_OK)
    async def check(self, tenant_id: TenantId, data: JSONBody[ProcedureInput], runtime: Runtime) -> ProcedureCheck:
        """Validate a procedure against this tenant's tools without saving it (for an editor)."""
        try:
            await _validated(runtime, tenant_id, data)
        except InvalidDocument as exc:
            found = [DocumentProblem(field=p.field, line=p.line, message=p.message) for p in exc.problems]
            return ProcedureCheck(valid=False, problems=found)
        return ProcedureCheck(valid=True, problems=[])
