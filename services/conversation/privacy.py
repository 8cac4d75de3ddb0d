"""Data-subject rights, owned here because this service owns conversations and their customers.

An **erasure** resolves the subject (a customer id, an e-mail address, or conversation ids) to conversations,
destroys their keys at once (crypto-shredding: their personal fields in the log now read ``[erased]``, and so do the
exports that covered them), records the request and appends ``privacy.erasure_requested`` in the same unit of work;
every service (this one too) then redacts its projections and answers ``privacy.erasure_completed``. An **export**
records the request and appends ``privacy.export_requested``; every service writes its part, and the bundle is
assembled on read once all have. Neither event carries the subject: only a salted digest of it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from libs.events import (
    PRIVACY_SERVICES,
    SYSTEM,
    Envelope,
    EventLog,
    PrivacyErasureCompleted,
    PrivacyErasureRequested,
    PrivacyExportPrepared,
    PrivacyExportRequested,
    RecordedEvent,
    new_id,
)
from libs.platform.outbox import UnitOfWork
from libs.platform.privacy import export_bucket, export_key_id
from services.conversation.repository import ConversationRepository, PrivacyRepository, PrivacyRequestRow
from services.conversation.service import rebuild_transcript

BUNDLE_SCHEMA = "deskpilot.privacy-export/v1"
KEY_ERASURES_AT_ONCE = 32


@dataclass(frozen=True)
class Subject:
    """Whom a request is about: exactly one of a customer id, an e-mail address, or conversation ids."""

    customer_id: str | None = None
    email: str | None = None
    conversation_ids: tuple[str, ...] = ()

    def digest(self, salt: str) -> str:
        given = self.customer_id or self.email or ",".join(sorted(self.conversation_ids))
        return "sha256:" + hashlib.sha256(bytes.fromhex(salt) + given.encode()).hexdigest()


async def conversations_of(repo: PrivacyRepository, tenant_id: str, subject: Subject) -> list[str]:
    if subject.conversation_ids:
        return await repo.existing(tenant_id, subject.conversation_ids)
    return await repo.conversations_of(tenant_id, subject.customer_id or subject.email or "")


async def destroy_keys(log: EventLog, tenant_id: str, key_ids: list[str]) -> None:
    """Erase the keys, a few at a time (each is three short requests to JetStream)."""
    keys = log.sealer.keys
    for start in range(0, len(key_ids), KEY_ERASURES_AT_ONCE):
        await asyncio.gather(*(keys.erase(tenant_id, k) for k in key_ids[start : start + KEY_ERASURES_AT_ONCE]))


async def request_erasure(
    log: EventLog, uow: UnitOfWork, tenant_id: str, subject: Subject, requested_by: str
) -> tuple[str, list[str]]:
    """Destroy the subject's conversations' keys and ask every service to redact; returns the erasure id and the
    conversations. Repeating it is harmless (the keys are gone already; services redact again)."""
    repo = PrivacyRepository(uow.session)
    conversation_ids = await conversations_of(repo, tenant_id, subject)
    erasure_id = await erase_conversations(log, uow, tenant_id, conversation_ids, subject, requested_by)
    return erasure_id, conversation_ids


async def erase_conversations(
    log: EventLog, uow: UnitOfWork, tenant_id: str, conversation_ids: list[str], subject: Subject, requested_by: str
) -> str:
    """The erasure of known conversations (by request or by retention); returns its id."""
    repo = PrivacyRepository(uow.session)
    exports = await repo.exports_covering(tenant_id, conversation_ids) if conversation_ids else []
    await destroy_keys(log, tenant_id, [*conversation_ids, *(export_key_id(e) for e in exports)])
    erasure_id, salt = new_id("era"), secrets.token_hex(16)
    digest = subject.digest(salt)
    await repo.add_request(tenant_id, erasure_id, "erasure", requested_by, digest, conversation_ids)
    request = PrivacyErasureRequested(
        erasure_id=erasure_id,
        requested_by=requested_by,
        conversation_ids=tuple(conversation_ids),
        subject_digest=digest,
        salt=salt,
    )
    uow.emit(Envelope.new(request, tenant_id=tenant_id, actor=SYSTEM))
    return erasure_id


async def request_export(uow: UnitOfWork, tenant_id: str, subject: Subject) -> tuple[str, list[str]]:
    """Ask every service for its part of the subject's data; returns the export id and the conversations."""
    repo = PrivacyRepository(uow.session)
    conversation_ids = await conversations_of(repo, tenant_id, subject)
    export_id, salt = new_id("exp"), secrets.token_hex(16)
    digest = subject.digest(salt)
    await repo.add_request(tenant_id, export_id, "export", "api", digest, conversation_ids)
    request = PrivacyExportRequested(
        export_id=export_id, conversation_ids=tuple(conversation_ids), subject_digest=digest, salt=salt
    )
    uow.emit(Envelope.new(request, tenant_id=tenant_id, actor=SYSTEM))
    return export_id, conversation_ids


async def record_answer(repo: PrivacyRepository, recorded: RecordedEvent) -> None:
    """A service's ``privacy.erasure_completed`` or ``privacy.export_prepared``, on its request."""
    answer = recorded.event.payload
    tenant_id = recorded.event.tenant_id
    if isinstance(answer, PrivacyErasureCompleted):
        await repo.record_answer(tenant_id, answer.erasure_id, answer.service, {"rows": answer.rows})
    elif isinstance(answer, PrivacyExportPrepared):
        part = {"records": answer.records, "object": answer.object_name}
        await repo.record_answer(tenant_id, answer.export_id, answer.service, part)


def status_of(request: PrivacyRequestRow) -> dict[str, Any]:
    """The request's status per service: ``completed`` once every service answered."""
    services = {s: {"status": "completed", **request.answers[s]} if s in request.answers else {"status": "pending"}
                for s in PRIVACY_SERVICES}  # fmt: skip
    done = all(s in request.answers for s in PRIVACY_SERVICES)
    return {
        "id": request.request_id,
        "status": "completed" if done else "pending",
        "requested_at": request.requested_at.isoformat(),
        "requested_by": request.requested_by,
        "conversations": list(request.conversation_ids),
        "services": services,
    }


async def bundle(log: EventLog, request: PrivacyRequestRow) -> dict[str, Any] | None:
    """The assembled export once every service wrote its part (None before); parts whose key was erased since
    (an erasure covered the export) are gone, and say so."""
    if not all(s in request.answers for s in PRIVACY_SERVICES):
        return None
    store = await export_bucket(log.jetstream)
    parts: dict[str, Any] = {}
    for service in PRIVACY_SERVICES:
        sealed = (await store.get(request.answers[service]["object"])).data or b""
        opened = await log.sealer.open_text(request.tenant_id, export_key_id(request.request_id), sealed.decode())
        parts[service] = json.loads(opened)["records"] if opened is not None else "[erased]"
    return {
        "schema": BUNDLE_SCHEMA,
        "export_id": request.request_id,
        "tenant_id": request.tenant_id,
        "requested_at": request.requested_at.isoformat(),
        "conversations": list(request.conversation_ids),
        "services": parts,
    }


async def redact(log: EventLog, uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]) -> int:
    """This service's part of an erasure: forget the customer and the mail thread, and project the transcripts
    again from the log, which reads ``[erased]`` now, so a replay still verifies."""
    if not conversation_ids:
        return 0
    touched = await PrivacyRepository(uow.session).redact(tenant_id, conversation_ids)
    repo = ConversationRepository(uow.session)
    for conversation_id in conversation_ids:
        entries = rebuild_transcript(await log.read(tenant_id, conversation_id))
        if entries:
            await repo.add_entries(tenant_id, conversation_id, entries)
        touched += len(entries)
    return touched


async def export(
    log: EventLog, uow: UnitOfWork, tenant_id: str, conversation_ids: tuple[str, ...]
) -> dict[str, list[dict[str, Any]]]:
    """This service's part of an export: each conversation with its whole event log, opened."""
    repo = ConversationRepository(uow.session)
    out: list[dict[str, Any]] = []
    for conversation_id in conversation_ids:
        row = await repo.get(tenant_id, conversation_id)
        if row is None:
            continue
        events = await log.read(tenant_id, conversation_id)
        out.append(
            {
                "id": conversation_id,
                "channel": row.channel,
                "customer_id": row.customer_id,
                "status": row.status,
                "created_at": row.created_at.isoformat(),
                "events": [r.as_json() for r in events],
            }
        )
    return {"conversations": out}


def retention_cutoff(days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=days)
