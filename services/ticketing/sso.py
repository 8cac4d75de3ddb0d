"""Single sign-on of human agents through the tenant's OpenID Connect identity provider.

Ticketing owns the human agents and how they prove who they are, so it is the relying party: the web front end
only carries the browser there and back. A tenant's owner configures the issuer (any, by its discovery URL), the
client id and secret, and which values of which ID-token claim give which role. A sign-in is two calls:

1. :func:`begin` records the attempt (the digest of a random ``state``) and answers the issuer's authorization
   URL. The ``nonce`` and the PKCE verifier are derived from the state with the tenant's key (HMAC), so they are
   stored nowhere and no one without the key can compute them.
2. :func:`finish` takes the attempt back (once: a state never works twice), trades the code at the token endpoint,
   verifies the ID token (:mod:`services.ticketing.oidc`), maps the role claim, finds the agent the issuer's
   subject signed in as before (or makes one), and issues a sign-in key exactly as a password sign-in does.

The client secret is sealed (AES-256-GCM) under a key derived (HKDF-SHA256) from the platform master key for the
tenant, bound to the tenant as associated data; the master key version is stored with it, so a rotation of the
master keys keeps it readable while every configured version is kept. Local accounts (passwords) keep working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from libs.events import new_id
from libs.events.subject_keys import MasterKeys
from libs.platform.outbox import UnitOfWork
from libs.platform.tenancy import key_digest
from services.ticketing import accounts
from services.ticketing.oidc import Identity, IssuerUnavailable, OidcClient, SsoRefused
from services.ticketing.repository import AgentRepository, AgentRow, SsoConfigRow, SsoRepository
from services.ticketing.service import AGENT_KEY_PREFIX, Caller

ATTEMPT_TTL = timedelta(minutes=10)
ROLE_RANK = {"agent": 0, "admin": 1, "owner": 2}


class SsoNotConfigured(LookupError):
    """The tenant has no single sign-on."""


class TenantKeys:
    """Per-tenant keys for single sign-on, derived from the platform master keys (see the module docstring)."""

    def __init__(self, master: Callable[[], MasterKeys]) -> None:
        self._master = master  # read when first needed: the environment may set it after the app is built

    @property
    def master(self) -> MasterKeys:
        return self._master()

    def _key(self, version: str, tenant_id: str) -> bytes:
        secret = self.master.keys.get(version)
        if secret is None:
            raise SsoRefused(f"master key version {version} is not configured", 503)
        return HKDF(hashes.SHA256(), 32, salt=b"deskpilot/sso/v1", info=tenant_id.encode()).derive(secret)

    def seal(self, tenant_id: str, secret: str) -> str:
        version = self.master.current
        nonce = os.urandom(12)
        sealed = AESGCM(self._key(version, tenant_id)).encrypt(nonce, secret.encode(), _aad(tenant_id))
        return f"{version}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, tenant_id: str, sealed: str) -> str:
        version, _, body = sealed.partition(":")
        raw = base64.urlsafe_b64decode(body)
        try:
            return AESGCM(self._key(version, tenant_id)).decrypt(raw[:12], raw[12:], _aad(tenant_id)).decode()
        except InvalidTag:
            raise SsoRefused("the stored client secret does not open: configure single sign-on again", 503) from None

    def derive(self, tenant_id: str, purpose: str, state: str) -> str:
        """A value only this tenant's key gives for this state (the nonce, the PKCE verifier: 43 characters)."""
        key = self._key(self.master.current, tenant_id)
        mac = hmac.new(key, f"{purpose}\x00{state}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _aad(tenant_id: str) -> bytes:
    return f"deskpilot/sso/client-secret/v1\x00{tenant_id}".encode()


@dataclass(frozen=True)
class SsoSettings:
    """What an owner configures (the secret in clear only on its way in)."""

    issuer: str
    client_id: str
    client_secret: str | None
    role_claim: str
    role_values: dict[str, str]
    default_role: str | None


async def configure(
    uow: UnitOfWork, caller: Caller, keys: TenantKeys, oidc: OidcClient, wanted: SsoSettings
) -> SsoConfigRow:
    """Set the tenant's single sign-on (owners only); a missing secret keeps the stored one. The issuer's discovery
    document is read now: what it answered is kept with the configuration (``issuer_problem``), which is saved
    either way — the network's answer is not the request's shape."""
    caller.require_owner()
    repo = SsoRepository(uow.session)
    existing = await repo.config(caller.tenant_id)
    if wanted.client_secret:
        sealed = keys.seal(caller.tenant_id, wanted.client_secret)
    elif existing is not None:
        sealed = existing.client_secret_sealed
    else:
        raise SsoRefused("a client secret is needed the first time", 409)  # what is stored decides: a conflict
    try:
        await oidc.provider(wanted.issuer)
        problem = None
    except IssuerUnavailable as exc:
        problem = exc.detail[:500]
    return await repo.save_config(
        caller.tenant_id,
        issuer=wanted.issuer,
        client_id=wanted.client_id,
        client_secret_sealed=sealed,
        role_claim=wanted.role_claim,
        role_values=wanted.role_values,
        default_role=wanted.default_role,
        issuer_problem=problem,
    )


async def _config(repo: SsoRepository, tenant_id: str) -> SsoConfigRow:
    config = await repo.config(tenant_id)
    if config is None:
        raise SsoNotConfigured(f"single sign-on is not configured for tenant {tenant_id}")
    return config


async def begin(
    uow: UnitOfWork, tenant_id: str, redirect_uri: str, keys: TenantKeys, oidc: OidcClient
) -> tuple[str, str]:
    """Start a sign-in: the issuer's authorization URL and the ``state`` the browser must come back with."""
    repo = SsoRepository(uow.session)
    config = await _config(repo, tenant_id)
    provider = await oidc.provider(config.issuer)
    state = secrets.token_urlsafe(32)
    await repo.add_attempt(tenant_id, key_digest(state), redirect_uri, datetime.now(UTC) + ATTEMPT_TTL)
    url = oidc.authorization_url(
        provider,
        config.client_id,
        redirect_uri,
        state,
        nonce=keys.derive(tenant_id, "nonce", state),
        verifier=keys.derive(tenant_id, "pkce", state),
    )
    return url, state


@dataclass(frozen=True)
class Proof:
    """A verified sign-in, between the network calls and the transaction that signs the agent in."""

    identity: Identity
    role: str
    config: SsoConfigRow
    resealed: str | None = None  # the secret sealed under the newest master key, if it was under an older one


async def take_attempt(uow: UnitOfWork, tenant_id: str, state: str) -> tuple[SsoConfigRow, str]:
    """The configuration and redirect URI of the attempt ``state``, which is used up by this."""
    repo = SsoRepository(uow.session)
    config = await _config(repo, tenant_id)
    redirect_uri = await repo.take_attempt(tenant_id, key_digest(state), datetime.now(UTC))
    if redirect_uri is None:
        raise SsoRefused("this sign-in is unknown, expired or already used (state): start again")
    return config, redirect_uri


async def prove(
    config: SsoConfigRow, redirect_uri: str, state: str, code: str, keys: TenantKeys, oidc: OidcClient
) -> Proof:
    """The code traded and the ID token verified (network only, no database work), with the role it maps to."""
    tenant_id = config.tenant_id
    provider = await oidc.provider(config.issuer)
    secret = keys.open(tenant_id, config.client_secret_sealed)
    verifier = keys.derive(tenant_id, "pkce", state)
    token = await oidc.exchange(provider, config.client_id, secret, redirect_uri, code, verifier)
    identity = await oidc.verify(provider, token, config.client_id, keys.derive(tenant_id, "nonce", state))
    stale = not config.client_secret_sealed.startswith(f"{keys.master.current}:")
    return Proof(identity, map_role(config, identity.claims), config, keys.seal(tenant_id, secret) if stale else None)


def map_role(config: SsoConfigRow, claims: dict[str, Any]) -> str:
    """The highest role any value of the role claim maps to (a string or a list of strings), else the default."""
    value = claims.get(config.role_claim)
    values = (
        [value]
        if isinstance(value, str)
        else [v for v in value if isinstance(v, str)]
        if isinstance(value, list)
        else []
    )
    roles = [config.role_values[v] for v in values if v in config.role_values]
    if roles:
        return max(roles, key=ROLE_RANK.__getitem__)
    if config.default_role is not None:
        return config.default_role
    raise SsoRefused(
        f"your account at the identity provider has no '{config.role_claim}' value that gives a role here", 403
    )


async def _agent(uow: UnitOfWork, proof: Proof) -> AgentRow:
    """The agent the issuer's subject is (made on its first sign-in), in the role the claim gives it now."""
    tenant_id, identity = proof.config.tenant_id, proof.identity
    repo, agents = SsoRepository(uow.session), AgentRepository(uow.session)
    agent_id = await repo.identity(tenant_id, identity.issuer, identity.subject)
    agent = await agents.get(tenant_id, agent_id) if agent_id else None
    if agent is None:
        email = identity.claims.get("email") if isinstance(identity.claims.get("email"), str) else None
        name = identity.claims.get("name") or email or f"SSO {identity.subject}"
        unused_key = AGENT_KEY_PREFIX + secrets.token_urlsafe(32)  # an agent row needs a key; this one is never shown
        agent = await agents.create(
            tenant_id=tenant_id,
            agent_id=new_id("agt"),
            name=str(name)[:200],
            email=email[:320] if email else None,
            role=proof.role,
            team=None,
            api_key_sha256=key_digest(unused_key),
            api_key_prefix=unused_key[:8],
        )
        await repo.link(tenant_id, identity.issuer, identity.subject, agent.agent_id)
    if not agent.active:
        raise SsoRefused("this account is deactivated here", 403)
    if agent.role != proof.role:
        agent = await agents.update(tenant_id, agent.agent_id, role=proof.role) or agent
    return agent


async def sign_in(uow: UnitOfWork, proof: Proof, ttl: timedelta) -> tuple[accounts.NewKey, AgentRow]:
    """A sign-in key for the agent the proof names, as a password sign-in gives."""
    agent = await _agent(uow, proof)
    if proof.resealed is not None:  # a master key rotation moves the secret to the new key at its next use
        await SsoRepository(uow.session).reseal(proof.config.tenant_id, proof.resealed)
    return await accounts.issue_session(uow, agent, ttl), agent
