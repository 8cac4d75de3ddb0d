"""Human agents' accounts: who a request's key is, passwords (argon2id), sign-in sessions, and issued API keys.

Ticketing owns the human agents, so it owns how they prove who they are. A sign-in exchanges an e-mail address and
a password for a short-lived key (``dps_…``) that identifies the agent here and, announced as ``api_key.issued``
with the agent's role, is accepted by every other service within that role (``libs.platform.tenancy``). The same
events carry the API keys an owner creates, rotates and revokes. Only digests are stored; a key is shown once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from libs.events import Actor, ApiKeyIssued, ApiKeyRevoked, Envelope, new_id
from libs.platform.outbox import UnitOfWork
from libs.platform.tenancy import ORIGINAL_KEY_ID, TenantDirectory, key_digest, new_api_key
from services.ticketing.repository import AccountRepository, AgentRepository, AgentRow, IssuedKeyRow
from services.ticketing.service import AGENT_KEY_PREFIX, AgentNotFound, Caller, Conflict, Forbidden, Role

# argon2id with the library's defaults (RFC 9106's second recommendation: 64 MiB, 3 passes, 4 lanes).
HASHER = PasswordHasher()
# Verified when no account matches, so that an unknown e-mail takes as long to refuse as a wrong password.
_DUMMY_HASH = HASHER.hash("not a password anyone has")
SHOWN_PREFIX_CHARS = 8
SESSION_KEY_PREFIX = "dps_"


class InvalidCredentials(Exception):
    """No active agent with this e-mail and password (which of the two was wrong is not said)."""


class TooManyAttempts(Exception):
    """Too many failed sign-ins for this e-mail address lately."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {retry_after} s")
        self.retry_after = retry_after


class KeyNotFound(LookupError):
    """No such issued key for this tenant."""


class SignInThrottle:
    """Failed sign-ins per e-mail address in a sliding window, in this process: beyond ``limit`` the address is
    refused until the oldest failure leaves the window, which slows down guessing a password online."""

    def __init__(self, limit: int = 10, window_s: float = 900.0) -> None:
        self.limit, self.window_s = limit, window_s
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, email: str) -> deque[float]:
        failures = self._failures.setdefault(email.strip().lower(), deque())
        while failures and failures[0] <= time.monotonic() - self.window_s:
            failures.popleft()
        return failures

    def check(self, email: str) -> None:
        failures = self._recent(email)
        if len(failures) >= self.limit:
            raise TooManyAttempts(max(1, int(failures[0] + self.window_s - time.monotonic()) + 1))

    def failed(self, email: str) -> None:
        self._recent(email).append(time.monotonic())

    def succeeded(self, email: str) -> None:
        self._failures.pop(email.strip().lower(), None)


@dataclass(frozen=True)
class NewKey:
    key: str
    row: IssuedKeyRow


async def authenticate(
    agents: AgentRepository, accounts: AccountRepository, tenants: TenantDirectory, api_key: str
) -> Caller | None:
    """An agent key (``dpa_…``) or a sign-in key (``dps_…``), looked up by digest on every call so that deactivation,
    sign-out and expiry hold at once; else a key that acts as the tenant."""
    if api_key.startswith(AGENT_KEY_PREFIX):
        row = await agents.by_key_digest(key_digest(api_key))
        if row is None:
            return None
        return Caller(row.tenant_id, row.role, row.agent_id, row.name)
    if api_key.startswith(SESSION_KEY_PREFIX):
        signed_in = await accounts.session_agent(key_digest(api_key))
        if signed_in is None:
            return None
        agent = signed_in.agent
        return Caller(agent.tenant_id, agent.role, agent.agent_id, agent.name, signed_in.session_key_id)
    holder = await tenants.holder(api_key)
    if holder is None or not holder.acts_as_tenant:
        return None
    return Caller(holder.tenant_id, "owner" if holder.role == "owner" else "admin")


def _announce_issued(uow: UnitOfWork, actor: Actor, tenant_id: str, row: IssuedKeyRow) -> None:
    uow.emit(
        Envelope.new(
            ApiKeyIssued(
                key_id=row.key_id,
                api_key_sha256=row.api_key_sha256,
                api_key_prefix=row.api_key_prefix,
                role=row.role,
                expires_at=row.expires_at,
            ),
            tenant_id=tenant_id,
            actor=actor,
        )
    )


async def _revoke(uow: UnitOfWork, caller: Caller, key_ids: list[str]) -> list[str]:
    revoked = await AccountRepository(uow.session).revoke(caller.tenant_id, key_ids)
    for key_id in revoked:
        uow.emit(Envelope.new(ApiKeyRevoked(key_id=key_id), tenant_id=caller.tenant_id, actor=caller.actor))
    return revoked


async def set_password(uow: UnitOfWork, caller: Caller, agent_id: str, password: str) -> None:
    """Set an agent's password (the agent itself, or an admin; an owner's only by an owner or itself). The agent's
    other sign-ins end: whoever knew the old password is out."""
    target = await AgentRepository(uow.session).get(caller.tenant_id, agent_id)
    if target is None:
        raise AgentNotFound(f"no agent {agent_id}")
    if caller.agent_id != agent_id:
        caller.require_admin()
        if target.role == "owner":
            caller.require_owner()
    password_hash = await asyncio.to_thread(HASHER.hash, password)
    accounts = AccountRepository(uow.session)
    await accounts.set_password(caller.tenant_id, agent_id, password_hash)
    live = await accounts.live_sessions(caller.tenant_id, agent_id, datetime.now(UTC))
    await _revoke(uow, caller, [k for k in live if k != caller.session_key_id])


async def _verify(password_hash: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(HASHER.verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def _authenticated(accounts: AccountRepository, email: str, password: str, tenant_id: str | None) -> AgentRow:
    """The active agent with this e-mail and password (in ``tenant_id`` if given), its hash renewed if outdated."""
    candidates = await accounts.sign_in_candidates(email, tenant_id)
    for candidate in candidates:
        if await _verify(candidate.password_hash, password):
            agent = candidate.agent
            if HASHER.check_needs_rehash(candidate.password_hash):
                await accounts.set_password(agent.tenant_id, agent.agent_id, HASHER.hash(password))
            return agent
    if not candidates:
        await _verify(_DUMMY_HASH, password)
    raise InvalidCredentials("wrong e-mail or password")


async def prove_password(
    uow: UnitOfWork, email: str, password: str, tenant_id: str | None, throttle: SignInThrottle
) -> AgentRow:
    """The active agent with this e-mail and password (``InvalidCredentials``, ``TooManyAttempts``); a sign-in key
    for it is :func:`issue_session`'s, in the agent's tenant's scope (the e-mail alone names no tenant)."""
    throttle.check(email)
    try:
        agent = await _authenticated(AccountRepository(uow.session), email, password, tenant_id)
    except InvalidCredentials:
        throttle.failed(email)
        raise
    throttle.succeeded(email)
    return agent


async def issue_session(uow: UnitOfWork, agent: AgentRow, ttl: timedelta) -> NewKey:
    """A sign-in key for ``agent`` (already proven: password or single sign-on), valid for ``ttl``; announced."""
    key = SESSION_KEY_PREFIX + new_api_key().removeprefix("dp_")
    row = await AccountRepository(uow.session).add_key(
        tenant_id=agent.tenant_id,
        key_id=new_id("key"),
        kind="session",
        name=f"sign-in of {agent.name}",
        role=agent.role,
        agent_id=agent.agent_id,
        api_key_sha256=key_digest(key),
        api_key_prefix=key[:SHOWN_PREFIX_CHARS],
        created_by=agent.agent_id,
        expires_at=datetime.now(UTC) + ttl,
    )
    _announce_issued(uow, Actor(kind="human", id=agent.agent_id), agent.tenant_id, row)
    return NewKey(key, row)


async def sign_out(uow: UnitOfWork, caller: Caller) -> None:
    """End the sign-in whose key calls: it is refused everywhere from now on."""
    if caller.session_key_id is None:
        raise Forbidden("only a sign-in key (dps_…) can sign out")
    await _revoke(uow, caller, [caller.session_key_id])


async def issue_api_key(uow: UnitOfWork, caller: Caller, name: str, role: Role) -> NewKey:
    """A new API key for the tenant (owners only), acting as ``role`` (owner or admin); shown once."""
    caller.require_owner()
    if role == "agent":
        raise Forbidden("an API key acts as the tenant: role 'owner' or 'admin' (agents sign in)")
    key = new_api_key()
    row = await AccountRepository(uow.session).add_key(
        tenant_id=caller.tenant_id,
        key_id=new_id("key"),
        kind="api",
        name=name,
        role=role,
        agent_id=None,
        api_key_sha256=key_digest(key),
        api_key_prefix=key[:SHOWN_PREFIX_CHARS],
        created_by=caller.agent_id or "tenant-key",
        expires_at=None,
    )
    _announce_issued(uow, caller.actor, caller.tenant_id, row)
    return NewKey(key, row)


async def revoke_original_key(uow: UnitOfWork, caller: Caller, tenants: TenantDirectory) -> None:
    """Revoke the key the tenant was created with (owners only): every service refuses it within seconds
    (``libs.platform.tenancy``), this one from this transaction on, so that its own answers read the revocation.
    Idempotent; the tenant keeps its issued keys and its people's sign-ins."""
    caller.require_owner()
    revoked = Envelope.new(ApiKeyRevoked(key_id=ORIGINAL_KEY_ID), tenant_id=caller.tenant_id, actor=caller.actor)
    uow.emit(revoked)
    await tenants.record_key(uow, revoked)


async def rotate_original_key(uow: UnitOfWork, caller: Caller, tenants: TenantDirectory) -> NewKey:
    """An owner API key in place of the key the tenant was created with, which is revoked (owners only)."""
    new = await issue_api_key(uow, caller, "tenant key (rotated)", "owner")
    await revoke_original_key(uow, caller, tenants)
    return new


async def revoke_api_key(uow: UnitOfWork, caller: Caller, key_id: str) -> IssuedKeyRow:
    """Revoke an API key (owners only); revoking it again changes nothing."""
    caller.require_owner()
    accounts = AccountRepository(uow.session)
    row = await accounts.key(caller.tenant_id, key_id)
    if row is None or row.kind != "api":
        raise KeyNotFound(f"no API key {key_id}")
    await _revoke(uow, caller, [key_id])
    return await accounts.key(caller.tenant_id, key_id) or row


async def rotate_api_key(uow: UnitOfWork, caller: Caller, key_id: str) -> NewKey:
    """A new key with the same name and role, and the old one revoked, in one step (owners only)."""
    caller.require_owner()
    old = await AccountRepository(uow.session).key(caller.tenant_id, key_id)
    if old is None or old.kind != "api":
        raise KeyNotFound(f"no API key {key_id}")
    if old.revoked_at is not None:
        raise Conflict(f"API key {key_id} is revoked; create a new one instead")
    new = await issue_api_key(uow, caller, old.name, old.role)
    await _revoke(uow, caller, [key_id])
    return new
