"""Creating tenants: a ``tenant.created`` event on the log, which every service projects into its own table."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from nats.js.errors import NotFoundError

from libs.events import SYSTEM, Envelope, EventLog, TenantCreated, new_id, uuid7
from libs.events.streams import EVENTS_STREAM
from libs.events.subjects import tenant_subject
from libs.platform.tenancy import key_digest, new_api_key


@dataclass(frozen=True)
class NewTenant:
    tenant_id: str
    name: str
    api_key: str
    event_id: str


async def create_tenant(log: EventLog, name: str, tenant: NewTenant | None = None) -> NewTenant:
    """Publish ``tenant.created``; passing an existing ``tenant`` re-publishes it idempotently (same event id)."""
    tenant = tenant or NewTenant(new_id("ten"), name, new_api_key(), uuid7())
    event = Envelope.new(
        TenantCreated(name=tenant.name, api_key_sha256=key_digest(tenant.api_key), api_key_prefix=tenant.api_key[:7]),
        tenant_id=tenant.tenant_id,
        actor=SYSTEM,
        event_id=tenant.event_id,
    )
    await log.publish(event)
    return tenant


async def demo_tenant(log: EventLog, data_dir: Path) -> NewTenant:
    """The demo tenant of this data dir: created once, its key kept (mode 600) so a restart prints the same one.

    The event is published before the file is written: a crash in between leaves an unused tenant, never a file
    naming a tenant that does not exist.
    """
    path = data_dir / "demo-tenant.json"
    if path.exists():
        tenant = NewTenant(**json.loads(path.read_text()))
        try:
            await log.jetstream.get_last_msg(EVENTS_STREAM, tenant_subject(tenant.tenant_id, "tenant.created"))
        except NotFoundError:
            # The data dir outlived the event log (a new NATS_URL, a wiped store): publish the tenant again.
            await create_tenant(log, tenant.name, tenant)
        return tenant
    tenant = await create_tenant(log, "Demo")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(vars(tenant), f)
    return tenant
