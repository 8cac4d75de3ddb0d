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
import re

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


async def provision_role(owner_url: str, service_url: str) -> str:
    """Create (or update) the role ``service_url`` names, with its password, through the owner's connection: what
    docker-compose's ``database-roles`` step runs (``deskpilot database provision-role``); returns the role."""
    url = make_url(service_url)
    role, password = url.username or "", url.password or ""
    if not ROLE_NAME.fullmatch(role) or role == make_url(owner_url).username:
        raise ValueError("DATABASE_URL must name a role of its own (lower-case letters, digits, _), not the owner")
    if not password:
        raise ValueError("DATABASE_URL must carry the service role's password")
    engine = create_async_engine(owner_url, poolclass=NullPool)
    try:
        await _create_or_update(engine, password, role)
    finally:
        await engine.dispose()
    return role


ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


async def _create_or_update(engine: AsyncEngine, password: str, role: str = SERVICE_ROLE) -> None:
    async with engine.begin() as conn:
        exists = (await conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})).first()
        verb = "ALTER" if exists else "CREATE"
        # A role name and a password cannot be bound parameters: the name is checked, the password quoted.
        quoted = "'" + password.replace("'", "''") + "'"
        await conn.execute(
            text(f"{verb} ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD {quoted}")
        )
