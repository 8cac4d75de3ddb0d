"""Signed-in people, on the server: the browser holds only an opaque session id (in an HttpOnly cookie); the API
key of the sign-in it maps to never leaves this process.

The store is this process's memory: a restart signs everyone out (their sign-in keys simply expire), and more than
one replica would need a shared store, which is why the deployment runs one (deploy/k8s/base/web.yaml).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

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
    started: float = field(default_factory=time.monotonic)
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


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class SessionStore:
    """Sessions by the digest of their id, so that not even this process's memory holds the cookie's value."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}

    def create(self, session: Session) -> str:
        self._sweep()
        session_id = secrets.token_urlsafe(32)
        self._sessions[_digest(session_id)] = session
        return session_id

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        session = self._sessions.get(_digest(session_id))
        if session is None or session.expires_at <= time.time():
            self._sessions.pop(_digest(session_id), None)
            return None
        return session

    def drop(self, session_id: str | None) -> Session | None:
        return self._sessions.pop(_digest(session_id), None) if session_id else None

    def _sweep(self) -> None:
        now = time.time()
        for digest in [d for d, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[digest]
