"""Ticketing's tests run it as ``deskpilot up`` does: connected as a login role that owns no table and has no
BYPASSRLS, the migrations run as the owner. Row-level security then holds in every test of the service (a superuser
skips the policies), so a request or a consumer that reads or writes outside its tenant's scope fails here."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import make_url

from deskpilot.database_roles import provision_role


@pytest.fixture(scope="session")
async def ticketing_database(database_url: str) -> dict[str, str]:
    """The database settings of a ticketing service: its own role, and the owner for the migrations."""
    role = f"dp_ticketing_{secrets.token_hex(4)}"
    url = make_url(database_url).set(username=role, password=secrets.token_hex(8)).render_as_string(hide_password=False)
    assert await provision_role(database_url, url) == role
    return {"DATABASE_URL": url, "DATABASE_OWNER_URL": database_url}
