"""The replay API: ``POST /v1/replays`` (202 and an id), ``GET /v1/replays/{id}`` (progress, summary, diffs),
``GET /v1/replays`` (the tenant's recent replays)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_202_ACCEPTED

from libs.platform.http import ConflictException, TenantId
from services.agent.replay.jobs import NothingToReplay, ReplayJobs
from services.agent.replay.recording import UnknownConversations
from services.agent.replay.schemas import (
    Progress,
    ReplayAccepted,
    ReplayList,
    ReplayListItem,
    ReplayRequest,
    ReplayView,
)
from services.agent.sandbox.documents import InvalidDocument
from services.agent.sandbox.http import refused


class ReplayController(Controller):
    path = "/v1/replays"

    @post("/", status_code=HTTP_202_ACCEPTED)
    async def start(
        self, tenant_id: TenantId, data: JSONBody[ReplayRequest], replays: NamedDependency[ReplayJobs]
    ) -> ReplayAccepted:
        """Replay recorded conversations of this tenant against a candidate, in the sandbox: nothing reaches the
        live log, the ledger or any integration's write path. 404 names ids that are not this tenant's; 409 says
        that the filter matches no recorded conversation, or what the candidate names that the tenant or operator
        lacks (a tool, a configured model); 403 a model server that is not a public address."""
        try:
            ids = await replays.conversations(tenant_id, data.conversations, data.filter)
            replay_id = await replays.submit(tenant_id, ids, data.candidate.document())
        except UnknownConversations as exc:
            raise NotFoundException(str(exc)) from exc
        except NothingToReplay as exc:
            raise ConflictException(detail=str(exc)) from exc  # what is recorded decides, not the request's shape
        except InvalidDocument as exc:
            raise refused(exc) from exc
        return ReplayAccepted(id=replay_id, status="queued", conversations=len(ids), url=f"{self.path}/{replay_id}")

    @get("/{replay_id:str}")
    async def show(
        self, tenant_id: TenantId, replay_id: FromPath[str], replays: NamedDependency[ReplayJobs]
    ) -> ReplayView:
        """A replay's progress, its action-diff summary so far and every finished conversation's diff."""
        report = await replays.report(tenant_id, replay_id)
        if report is None:
            raise NotFoundException(f"no replay {replay_id}")
        row = report.row
        return ReplayView(
            id=row.id,
            status=row.status,
            candidate=row.candidate,
            progress=Progress(done=len(report.diffs), total=len(row.conversation_ids)),
            summary=report.summary,
            conversations=report.diffs,
            error=row.error,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )

    @get("/")
    async def recent(self, tenant_id: TenantId, replays: NamedDependency[ReplayJobs]) -> ReplayList:
        """This tenant's 50 most recent replays."""
        rows = await replays.recent(tenant_id)
        return ReplayList(
            items=[
                ReplayListItem(
                    id=r.id,
                    status=r.status,
                    candidate=str(r.candidate.get("name", "candidate")),
                    conversations=len(r.conversation_ids),
                    created_at=r.created_at,
                    finished_at=r.finished_at,
                )
                for r in rows
            ]
        )
