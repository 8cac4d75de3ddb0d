"""What an operator's command may ask of the integrations service (``deskpilot integrations rotate-keys``): its
public functions."""

from __future__ import annotations

from libs.platform.db import Database
from services.integrations.vault import EnvKeyProvider, RotationReport, Vault, rotate_master_key

__all__ = ["RotationReport", "rotate_keys"]


async def rotate_keys(database_url: str, master_keys: str) -> RotationReport:
    """Re-wrap every tenant's data key under the newest of ``master_keys`` (``version:base64key``, newest first)."""
    db = Database(database_url, schema="integrations")
    try:
        return await rotate_master_key(db.sessions, Vault(EnvKeyProvider.parse(master_keys)))
    finally:
        await db.close()
