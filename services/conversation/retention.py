"""Per-tenant retention: a tenant's conversations last active more than N days ago are erased, exactly as an
erasure request erases them (``privacy.erase_conversations``: keys destroyed at once — crypto-shredding — the
request recorded with ``requested_by = "retention"``, ``privacy.erasure_requested`` announced so that every
service redacts what it holds).

The run is idempotent and resumable: each batch of conversations is one unit of work that also marks them
(``erased_at``), so a batch either happened whole or is picked again by the next run (destroying a key twice is
harmless), and a conversation already erased — by retention or by a data subject's request — is never picked
again. The clock is an argument: the hourly loop passes the wall clock, tests pass any ``now``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from libs.platform import metrics
from libs.platform.row_security import tenant_scope
from libs.platform.runtime import ServiceRuntime
from services.conversation.privacy import Subject, erase_conversations
from services.conversation.repository import PrivacyRepository

BATCH = 100
"""Conversations per erasure (one unit of work, one ``privacy.erasure_requested``)."""
REQUESTED_BY = "retention"

log = logging.getLogger("deskpilot.conversation.retention")

RETENTION_ERASED = metrics.counter(
    "deskpilot_retention_erased_conversations",
    "Conversations erased by a tenant's retention (crypto-shredded and redacted like an erasure request)",
)


@dataclass
class RetentionRun:
    """What one run did: the erasures it requested and how many conversations they covered."""

    erasures: list[str] = field(default_factory=list)
    conversations: int = 0


async def erase_expired(
    runtime: ServiceRuntime, now: datetime, *, batch: int = BATCH, max_batches: int | None = None
) -> RetentionRun:
    """Erase every tenant's conversations last active before ``now`` minus its retention (at most ``max_batches``
    batches in all: a run cut short is resumed by the next one)."""
    async with runtime.db.reader() as session:  # the system scope: the policies of every tenant
        policies = await PrivacyRepository(session).retention_policies()
    run = RetentionRun()
    for tenant_id, days in policies:
        cutoff = now - timedelta(days=days)
        with tenant_scope(tenant_id):  # from here on, row-level security shows this tenant's rows only
            while max_batches is None or len(run.erasures) < max_batches:
                async with runtime.unit_of_work() as uow:
                    repo = PrivacyRepository(uow.session)
                    ids = await repo.older_than(tenant_id, cutoff, batch)
                    if not ids:
                        break
                    subject = Subject(conversation_ids=tuple(ids))
                    erasure_id = await erase_conversations(
                        runtime.event_log, uow, tenant_id, ids, subject, REQUESTED_BY
                    )
                    await repo.mark_erased(tenant_id, ids)
                run.erasures.append(erasure_id)
                run.conversations += len(ids)
                RETENTION_ERASED.inc(len(ids))
                log.info(
                    "retention: erased %d conversations of tenant %s last active before %s (%d days; erasure %s)",
                    len(ids), tenant_id, cutoff.isoformat(), days, erasure_id,
                )  # fmt: skip
    return run


async def run_retention(runtime: ServiceRuntime, interval_s: float) -> None:
    """Forever: erase what each tenant's retention expired, every ``interval_s`` seconds."""
    while True:
        try:
            await erase_expired(runtime, datetime.now(UTC))
        except Exception:
            log.exception("the retention run failed; the next one, in %.0f s, resumes it", interval_s)
        await asyncio.sleep(interval_s)
