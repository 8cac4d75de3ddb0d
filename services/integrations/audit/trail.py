"""Writing a tool call's audit line, and exporting audit lines as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from libs.events import Envelope, ToolRequested
from services.integrations.repository import AuditRecord, AuditRepository
from services.integrations.schemas import AuditEntry


async def record(
    session: AsyncSession,
    event: Envelope,
    request: ToolRequested,
    integration: str,
    *,
    response: dict[str, Any],
    status: str,
    dry_run: bool,
    latency_ms: float,
) -> None:
    """One line for one executed call, in the execution's transaction (it commits with the result event)."""
    assert event.conversation_id is not None
    await AuditRepository(session).record(
        AuditRecord(
            tenant_id=event.tenant_id,
            conversation_id=event.conversation_id,
            end_user=request.end_user,
            integration=integration,
            tool=request.tool,
            tool_call_id=request.tool_call_id,
            request=request.arguments,
            # Stored as the JSON it will be read back as (tuples become lists, keys strings).
            response=json.loads(json.dumps(response)),
            status=status,
            dry_run=dry_run,
            latency_ms=latency_ms,
        )
    )


def as_csv(entries: Iterable[AuditEntry]) -> str:
    """The API's audit entries as CSV, one row each, columns as the JSON fields; objects as JSON."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AuditEntry.model_fields)
    for entry in entries:
        values = entry.model_dump().values()
        writer.writerow([json.dumps(v) if isinstance(v, dict) else v for v in values])
    return out.getvalue()
