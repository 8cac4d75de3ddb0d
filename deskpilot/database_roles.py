"""The two PostgreSQL roles ``deskpilot up`` runs the services with: the owner and the services' role.

The owner (the embedded server's superuser, or ``DATABASE_URL``'s role) owns the schemas and runs the migrations;
the services connect as ``deskpilot_service``, which owns nothing, is no superuser and has no ``BYPASSRLS``, so the
row-level security of every tenant-scoped table holds for them (``libs/platform/row_security.py``). Operators who
run the services themselves create both roles (docs/operations.md) and set ``DATABASE_URL`` and
``DATABASE_OWNER_URL``.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

SERVICE_ROLE = "deskpilot_service"

log = logging.getLogger("deskpilot.database_roles")


def service_password(owner_url: str) -> str:
    """The service role's password, derived from the owner's URL (its secret): the same for every ``deskpilot up``
    on this database, stored nowhere."""
    return hmac.new(owner_url.encode(), SERVICE_ROLE.encode(), hashlib.sha256).hexdigest()


async def provision_service_role(owner_url: str) -> str | None:
    """Create (or update) the services' role with the owner's connection; returns the services' URL, or None when
    the owner may not create roles (the services then share the owner's role, as before)."""
    password = service_password(owner_url)
    engine = create_async_engine(owner_url, poolclass=NullPool)
    try:
        for attempt in (1, 2):  # two launchers creating it at once: the second finds it on its second attempt
            try:
                await _create_or_update(engine, password)
                break
            except DBAPIError as exc:
                if attempt == 2:
                    raise
                log.info("provisioning %s raced (%s); again", SERVICE_ROLE, exc)
    except DBAPIError as exc:
        log.warning("could not provision the %s role (%s); the services use the owner's role", SERVICE_ROLE, exc)
        return None
    finally:
        await engine.dispose()
    return make_url(owner_url).set(username=SERVICE_ROLE, password=password).render_as_string(hide_password=False)


async def _create_or_update(engine: AsyncEngine, password: str) -> None:
    async with engine.begin() as conn:
        exists = (await conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": SERVICE_ROLE})).first()
        verb = "ALTER" if exists else "CREATE"
        # The password is hex (no quoting issue); a role name and a password cannot be bound parameters.
        await conn.execute(
            text(
                f"{verb} ROLE {SERVICE_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE "
                f"PASSWORD '{password}'"
            )
        )
