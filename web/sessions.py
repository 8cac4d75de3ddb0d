"""Signed-in people, on the server: the browser holds only an opaque session id (in an HttpOnly cookie); the API
key of the sign-in it maps to never leaves the server.

A session is stored under the SHA-256 digest of its id, sealed (AES-256-GCM) with a key derived from the id itself:
the store — PostgreSQL (``web.sessions``), shared by every replica and surviving a restart — holds neither the
cookie's value nor anything that can be opened without it (decision 0028). Without a database (a unit test, a
quick look) the same sealed rows live in this process's memory.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ROLES_RANK = {"agent": 0, "admin": 1, "owner": 2}


@dataclass
class Session:
    api_key: str
    key_id: str
    tenant_id: str
    agent: dict[str, Any]
    csrf: str
    expires_at: float
    flash: list[tuple[str, str]] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    crawls: list[str] = field(default_factory=list)  # crawls started in this session, newest first
    reveal: tuple[str, str] | None = None  # a new secret (label, value) for the next page only

    @property
    def role(self) -> str:
        return str(self.agent["role"])

    @property
    def name(self) -> str:
        return str(self.agent["name"])

    def at_least(self, role: str) -> bool:
        return ROLES_RANK.get(self.role, -1) >= ROLES_RANK[role]

    def say(self, kind: str, text: str) -> None:
        """A message for the next page this person sees (after a redirect)."""
        self.flash.append((kind, text))

    def take_flash(self) -> list[tuple[str, str]]:
        out, self.flash = self.flash, []
        return out

    def dumps(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()

    @classmethod
    def loads(cls, raw: bytes) -> Session:
        data = json.loads(raw)
        data["flash"] = [tuple(f) for f in data.get("flash", [])]
        data["reveal"] = tuple(data["reveal"]) if data.get("reveal") else None
        return cls(**data)


def digest(session_id: str) -> str:
    """What a session is stored under: never the id itself."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def _key(session_id: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"deskpilot web session v1")
    return hkdf.derive(session_id.encode())


def seal(session_id: str, session: Session) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + AESGCM(_key(session_id)).encrypt(nonce, session.dumps(), digest(session_id).encode())


def unseal(session_id: str, sealed: bytes) -> Session | None:
    try:
        raw = AESGCM(_key(session_id)).decrypt(sealed[:12], sealed[12:], digest(session_id).encode())
    except (InvalidTag, ValueError):
        return None
    return Session.loads(raw)


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


class SealedRows(Protocol):
    """Where sealed sessions are kept, by digest: PostgreSQL (``web.session_store``) or memory."""

    async def put(self, digest: str, tenant_id: str, sealed: bytes, expires_at: float) -> None: ...
    async def get(self, digest: str) -> tuple[bytes, float] | None: ...
    async def drop(self, digest: str) -> None: ...
    async def sweep(self, now: float) -> int: ...


class MemoryRows:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[str, bytes, float]] = {}

    async def put(self, digest: str, tenant_id: str, sealed: bytes, expires_at: float) -> None:
        self.rows[digest] = (tenant_id, sealed, expires_at)

    async def get(self, digest: str) -> tuple[bytes, float] | None:
        row = self.rows.get(digest)
        return (row[1], row[2]) if row else None

    async def drop(self, digest: str) -> None:
        self.rows.pop(digest, None)

    async def sweep(self, now: float) -> int:
        gone = [d for d, (_, _, expires) in self.rows.items() if expires <= now]
        for d in gone:
            del self.rows[d]
        return len(gone)


class SessionStore:
    """Sessions by the digest of their id, sealed with a key only the id yields."""

    def __init__(self, rows: SealedRows | None = None) -> None:
        self.rows: SealedRows = rows or MemoryRows()

    async def create(self, session: Session) -> str:
        await self.rows.sweep(time.time())
        session_id = new_session_id()
        await self.save(session_id, session)
        return session_id

    async def save(self, session_id: str, session: Session) -> None:
        await self.rows.put(digest(session_id), session.tenant_id, seal(session_id, session), session.expires_at)

    async def get(self, session_id: str | None) -> Session | None:
        if not session_id or len(session_id) > 200:
            return None
        found = await self.rows.get(digest(session_id))
        if found is None:
            return None
        sealed, expires_at = found
        if expires_at <= time.time():
            await self.rows.drop(digest(session_id))
            return None
        return unseal(session_id, sealed)

    async def drop(self, session_id: str | None) -> None:
        if session_id:
            await self.rows.drop(digest(session_id))


def fingerprint(session: Session) -> str:
    """What changed-or-not is judged by, to write a session back only when a request changed it."""
    return base64.b64encode(hashlib.sha256(session.dumps()).digest()).decode()
