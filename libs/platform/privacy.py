"""Every service's part in data-subject rights: redact on ``privacy.erasure_requested``, export on
``privacy.export_requested`` (see ``libs/events/catalog/privacy.py``).

The runtime subscribes each service to both requests. A service registers what it holds about conversations with
:meth:`PrivacyParticipant.handle` (its redaction, and optionally its export); a service with nothing to redact
still answers, so the request's status shows every service. The redaction and the ``privacy.erasure_completed``
it announces commit together (outbox), and redactions are idempotent, so a redelivery repeats nothing harmful.

An export part is a JSON document (``{"schema": "deskpilot.privacy-export.part/v1", "service": …, "records":
{…}}``) sealed with a key of the export's own, kept with the conversations' keys: erasing a conversation that an
export covers erases that export's key too (the conversation service does), and the bucket forgets parts after
``EXPORT_RETENTION``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from nats.js.errors import BucketNotFoundError
from nats.js.object_store import ObjectStore

from libs.events import (
    SYSTEM,
    Envelope,
    PrivacyErasureCompleted,
    PrivacyErasureRequested,
    PrivacyExportPrepared,
    PrivacyExportRequested,
    RecordedEvent,
)
from libs.events.streams import EXPORTS_BUCKET, exports_stream
from libs.events.subjects import any_tenant
from libs.platform.consumers import Subscription
from libs.platform.outbox import UnitOfWork

log = logging.getLogger("deskpilot.privacy")

PART_SCHEMA = "deskpilot.privacy-export.part/v1"

Redaction = Callable[[UnitOfWork, str, tuple[str, ...]], Awaitable[int]]
"""Redact or delete what the service holds about ``conversation_ids`` of ``tenant_id``; returns the rows touched."""
ExportPart = dict[str, list[dict[str, Any]]]
Export = Callable[[UnitOfWork, str, tuple[str, ...]], Awaitable[ExportPart]]
"""What the service holds about the conversations, as JSON-ready records by kind (``{"tickets": [...]}``)."""


def export_key_id(export_id: str) -> str:
    """Where an export's key is kept among the conversations' keys (an export is sealed like a conversation)."""
    return export_id


def part_name(tenant_id: str, export_id: str, service: str) -> str:
    return f"{tenant_id}/{export_id}/{service}.json"


async def export_bucket(js: Any) -> ObjectStore:
    """The export bucket; its stream is made with the others (``libs/events/streams.py``), here if still missing."""
    try:
        store: ObjectStore = await js.object_store(EXPORTS_BUCKET)
    except BucketNotFoundError:
        await js.add_stream(exports_stream())
        store = await js.object_store(EXPORTS_BUCKET)
    return store


class PrivacyParticipant:
    """One service's answers to erasure and export requests (see the module docstring)."""

    def __init__(self, runtime: Any) -> None:
        self._runtime = runtime
        self._redactions: list[Redaction] = []
        self._exports: list[Export] = []

    def handle(self, redact: Redaction, export: Export | None = None) -> None:
        self._redactions.append(redact)
        if export is not None:
            self._exports.append(export)

    def subscriptions(self) -> list[Subscription]:
        return [
            Subscription(
                "privacy-erasures",
                any_tenant("privacy.erasure_requested"),
                self._erase,
                does="redact or delete what the service holds about the erased conversations, then say so "
                "(`privacy.erasure_completed`)",
            ),
            Subscription(
                "privacy-exports",
                any_tenant("privacy.export_requested"),
                self._export,
                does="write the service's part of a data-subject export, sealed, to the `DP_PRIVACY_EXPORTS` "
                "bucket (`privacy.export_prepared`)",
            ),
        ]

    async def _erase(self, recorded: RecordedEvent) -> None:
        event = recorded.event
        request = event.payload
        assert isinstance(request, PrivacyErasureRequested)
        keys = self._runtime.event_log.sealer.keys
        for conversation_id in request.conversation_ids:
            keys.forget(event.tenant_id, conversation_id)  # what this process remembers of them is stale now
        async with self._runtime.unit_of_work() as uow:
            rows = 0
            for redact in self._redactions:
                rows += await redact(uow, event.tenant_id, request.conversation_ids)
            done = PrivacyErasureCompleted(erasure_id=request.erasure_id, service=self._runtime.name, rows=rows)
            uow.emit(Envelope.new(done, tenant_id=event.tenant_id, actor=SYSTEM, caused_by=event))
        log.info("erasure %s: %d rows redacted by %s", request.erasure_id, rows, self._runtime.name)

    async def _export(self, recorded: RecordedEvent) -> None:
        event = recorded.event
        request = event.payload
        assert isinstance(request, PrivacyExportRequested)
        async with self._runtime.unit_of_work() as uow:
            records: dict[str, list[dict[str, Any]]] = {}
            for export in self._exports:
                records.update(await export(uow, event.tenant_id, request.conversation_ids))
            document = {"schema": PART_SCHEMA, "service": self._runtime.name, "records": records}
            name = part_name(event.tenant_id, request.export_id, self._runtime.name)
            sealer = self._runtime.event_log.sealer
            body = await sealer.seal_text(event.tenant_id, export_key_id(request.export_id), json.dumps(document))
            await (await export_bucket(self._runtime.nc.jetstream())).put(name, body.encode())
            count = sum(len(v) for v in records.values())
            prepared = PrivacyExportPrepared(
                export_id=request.export_id, service=self._runtime.name, object_name=name, records=count
            )
            uow.emit(Envelope.new(prepared, tenant_id=event.tenant_id, actor=SYSTEM, caused_by=event))
