"""Retries that never duplicate: ``Idempotency-Key`` on every authenticated POST, kept per tenant for 24 hours.

The edge (``libs.platform.edge``) calls :meth:`IdempotencyKeys.claim` before the handler runs. The first request
with a key claims it; its answer (status, content type, body) is stored when it is below 500, and replayed to every
later request with the same key and the same request (method, target, body and the caller's credential — compared
by SHA-256). The same key with another request, or from another key of the tenant, is 422 ``idempotency_key_reused``:
an answer is replayed only to the credential it was made for, never to a human agent who may not do what an admin's
request did (the edge replays before the handler checks the caller's role); while the first is still being
answered, 409 ``idempotency_key_in_use``; when its stored answer cannot be opened any more (sealed under a retired
master key version, or damaged), 409 ``idempotency_answer_lost``: the request is not run again, a new key runs it.
A 5xx releases the key, so that the retry the client will make runs for real (with the database away when the
answer is sent, the edge stores or releases it in the background once it is back). Keys of
one tenant never meet another's. The rows are this service's (``idempotency_keys`` in its schema, row-level
secured like every tenant table); an expired key is claimed afresh, and every service deletes the expired ones
hourly (:meth:`IdempotencyKeys.purge_forever`), so an answer is kept about a day, not for good.

A stored answer is sealed (:class:`AnswerSeal`: AES-256-GCM under a key derived from the platform master key for
the tenant, bound to the tenant and the Idempotency-Key), since answers carry what must not rest in clear: the key
a new human agent or API key is shown once, a customer's words. With no master key configured nothing is stored:
the key is released, as after a 5xx.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table, delete, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from libs.events.subject_keys import KeysUnavailable, MasterKeys
from libs.platform.row_security import SYSTEM, tenant_scope

KEEP_FOR = timedelta(hours=24)
PURGE_EVERY_S = 3600.0
log = logging.getLogger("deskpilot.idempotency")
MAX_KEY = 200
MAX_STORED_BODY = 1024 * 1024


def idempotency_table(metadata: MetaData) -> Table:
    existing = metadata.tables.get(f"{metadata.schema}.idempotency_keys" if metadata.schema else "idempotency_keys")
    if existing is not None:
        return existing
    return Table(
        "idempotency_keys",
        metadata,
        Column("tenant_id", String(64), primary_key=True),
        Column("key", String(MAX_KEY), primary_key=True),
        Column("request_sha256", String(64), nullable=False),
        Column("status", Integer, nullable=True),  # null while the first request is being answered
        Column("content_type", String(200), nullable=True),
        Column("body", LargeBinary, nullable=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


def request_digest(method: str, target: bytes, body: bytes, credential: str = "") -> str:
    """What a retry must repeat: the request, and the credential (a key's digest) it was sent with."""
    digest = hashlib.sha256(method.encode() + b" " + target + b"\n" + credential.encode() + b"\n")
    digest.update(body)
    return digest.hexdigest()


SEALED = b"dp-sealed:"
"""How a sealed answer starts: then the master key's version, ``:``, the nonce and the ciphertext."""
NONCE_BYTES = 12


class AnswerSeal:
    """Seals stored answers for their tenant and Idempotency-Key (see the module docstring)."""

    def __init__(self, master: Callable[[], MasterKeys]) -> None:
        self._master = master  # read when first needed: the environment may set it after the runtime is built

    def _aead(self, version: str, tenant_id: str) -> AESGCM:
        secret = self._master().keys.get(version)
        if secret is None:
            raise KeysUnavailable(f"master key version {version} is not configured")
        hkdf = HKDF(hashes.SHA256(), 32, salt=b"deskpilot/idempotency/v1", info=tenant_id.encode())
        return AESGCM(hkdf.derive(secret))

    def seal(self, tenant_id: str, key: str, body: bytes) -> bytes:
        version = self._master().current
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead(version, tenant_id).encrypt(nonce, body, _aad(tenant_id, key))
        return SEALED + version.encode() + b":" + nonce + sealed

    def open(self, tenant_id: str, key: str, stored: bytes) -> bytes:
        if not stored.startswith(SEALED):  # stored before answers were sealed
            return stored
        version, _, raw = stored[len(SEALED) :].partition(b":")
        aead = self._aead(version.decode(), tenant_id)
        return aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(tenant_id, key))


def _aad(tenant_id: str, key: str) -> bytes:
    return f"deskpilot/idempotency/v1\x00{tenant_id}\x00{key}".encode()


@dataclass(frozen=True)
class Stored:
    """An earlier answer to replay, or ``status`` None while it is being made; ``same_request`` False when the key
    was used for another request; ``unreadable`` when the answer was made but can no longer be opened."""

    same_request: bool
    status: int | None
    content_type: str | None
    body: bytes | None
    unreadable: bool = False


class IdempotencyKeys:
    """The SQL of the idempotency keys (the platform's own repository, like ``TenantDirectory``)."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], table: Table, seal: AnswerSeal | None = None
    ) -> None:
        self._sessions, self._table, self._seal = sessions, table, seal

    @property
    def table(self) -> Table:
        return self._table

    async def claim(self, tenant_id: str, key: str, request_sha256: str) -> Stored | None:
        """None when this request now holds the key (new, or the old claim expired); else what is stored."""
        t = self._table
        fresh = t.c.created_at > func.now() - KEEP_FOR
        with tenant_scope(tenant_id):
            async with self._sessions() as session, session.begin():
                claimed = await session.execute(
                    insert(t)
                    .values(tenant_id=tenant_id, key=key, request_sha256=request_sha256)
                    .on_conflict_do_update(
                        index_elements=[t.c.tenant_id, t.c.key],
                        set_={"request_sha256": request_sha256, "status": None, "body": None, "created_at": func.now()},
                        where=~fresh,
                    )
                    .returning(t.c.key)
                )
                if claimed.first() is not None:
                    return None
                row = (await session.execute(t.select().where(t.c.tenant_id == tenant_id, t.c.key == key))).first()
        if row is None:  # deleted in between (a 5xx released it): the client may simply retry
            return Stored(True, None, None, None)
        same, body = row.request_sha256 == request_sha256, row.body
        if body is not None and self._seal is not None:
            try:
                body = self._seal.open(tenant_id, key, body)
            except (KeysUnavailable, InvalidTag, ValueError) as exc:  # a retired master key version, a damaged row
                # The request did run: running it again could duplicate what it did, so the key stays spent.
                log.warning("tenant %s: a stored idempotent answer cannot be opened (%r)", tenant_id, exc)
                return Stored(same, row.status, row.content_type, None, unreadable=True)
        return Stored(same, row.status, row.content_type, body)

    async def complete(self, tenant_id: str, key: str, status: int, content_type: str | None, body: bytes) -> None:
        """Keep the answer for replay, or release the key when there is nothing worth replaying (a 5xx)."""
        t = self._table
        where = (t.c.tenant_id == tenant_id) & (t.c.key == key)
        stored: bytes | None = body
        if self._seal is not None and status < 500 and len(body) <= MAX_STORED_BODY:
            try:
                stored = self._seal.seal(tenant_id, key, body)
            except KeysUnavailable:
                stored = None
        with tenant_scope(tenant_id):
            async with self._sessions() as session, session.begin():
                if status >= 500 or len(body) > MAX_STORED_BODY or stored is None:
                    await session.execute(delete(t).where(where))
                else:
                    await session.execute(
                        update(t).where(where).values(status=status, content_type=content_type, body=stored)
                    )

    async def purge(self) -> int:
        """Delete every key older than ``KEEP_FOR``, its stored answer with it (all tenants'); returns how many."""
        t = self._table
        with tenant_scope(SYSTEM):
            async with self._sessions() as session, session.begin():
                result = await session.execute(delete(t).where(t.c.created_at <= func.now() - KEEP_FOR))
        return int(getattr(result, "rowcount", 0) or 0)

    async def purge_forever(self, every_s: float = PURGE_EVERY_S) -> None:
        """Forever: :meth:`purge`, then wait ``every_s``; a failure (the database away) waits for the next round."""
        while True:
            try:
                purged = await self.purge()
                if purged:
                    log.info("deleted %d expired idempotency keys", purged)
            except Exception as exc:
                log.warning("could not delete expired idempotency keys (%r); next round in %.0f s", exc, every_s)
            await asyncio.sleep(every_s)
