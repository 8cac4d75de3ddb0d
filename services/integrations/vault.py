"""The vault: tenant secrets (OAuth tokens, PKCE verifiers, MCP credentials) under envelope encryption.

Each tenant has a data key (AES-256-GCM) that encrypts its secrets; the data key is stored only wrapped by a master
key that a :class:`KeyProvider` holds (the environment today, a KMS tomorrow). Every ciphertext is bound through
AES-GCM associated data to its tenant and purpose, so a row copied to another tenant or purpose does not decrypt.
Rotating the master key re-wraps the (small) data keys, never the secrets, and readers accept every configured
master key version while a rotation runs, so it needs no downtime.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.integrations.repository import VaultRepository, WrappedDataKey

NONCE_BYTES = 12
KEY_BYTES = 32
MASTER_KEYS_SETTING = "DESKPILOT_VAULT_MASTER_KEYS"


class VaultError(Exception):
    """A secret could not be stored or read. Messages name the tenant and purpose, never the secret."""


class VaultUnavailable(VaultError):
    """No master key is configured, so no secret can be stored or read."""


def _data_key_aad(tenant_id: str, generation: int) -> bytes:
    return f"deskpilot/vault/data-key/v1\x00{tenant_id}\x00{generation}".encode()


def _secret_aad(tenant_id: str, purpose: str) -> bytes:
    return f"deskpilot/vault/secret/v1\x00{tenant_id}\x00{purpose}".encode()


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], aad)


class KeyProvider(Protocol):
    """Wraps and unwraps data keys with a versioned master key (env keys, or a KMS behind the same calls)."""

    @property
    def current_version(self) -> str: ...

    def wrap(self, data_key: bytes, aad: bytes) -> tuple[str, bytes]:
        """Wrap with the newest master key; returns its version and the wrapped key."""
        ...

    def unwrap(self, version: str, wrapped: bytes, aad: bytes) -> bytes: ...


class EnvKeyProvider:
    """Master keys from ``DESKPILOT_VAULT_MASTER_KEYS``: ``version:base64key`` pairs, comma-separated, newest first."""

    def __init__(self, keys: dict[str, bytes], current: str | None) -> None:
        self._keys, self._current = keys, current

    def __repr__(self) -> str:
        return f"EnvKeyProvider(versions={list(self._keys)!r})"

    @classmethod
    def parse(cls, value: str) -> EnvKeyProvider:
        keys: dict[str, bytes] = {}
        for i, item in enumerate(p.strip() for p in value.split(",") if p.strip()):
            version, sep, encoded = item.partition(":")
            if not sep or not version.strip():
                raise ValueError(f"{MASTER_KEYS_SETTING} entry {i + 1} is not 'version:base64key'")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except binascii.Error:
                raise ValueError(f"{MASTER_KEYS_SETTING} entry {i + 1} ({version}) is not valid base64") from None
            if len(key) != KEY_BYTES:
                raise ValueError(f"{MASTER_KEYS_SETTING} key {version} must be {KEY_BYTES} bytes (AES-256)")
            if version.strip() in keys:
                raise ValueError(f"{MASTER_KEYS_SETTING} lists version {version} twice")
            keys[version.strip()] = key
        return cls(keys, next(iter(keys), None))

    @property
    def current_version(self) -> str:
        if self._current is None:
            raise VaultUnavailable(f"no vault master key configured (set {MASTER_KEYS_SETTING})")
        return self._current

    def wrap(self, data_key: bytes, aad: bytes) -> tuple[str, bytes]:
        version = self.current_version
        return version, _seal(self._keys[version], data_key, aad)

    def unwrap(self, version: str, wrapped: bytes, aad: bytes) -> bytes:
        key = self._keys.get(version)
        if key is None:
            raise VaultError(f"master key version {version} is not configured")
        try:
            return _open(key, wrapped, aad)
        except InvalidTag:
            raise VaultError(f"data key does not unwrap with master key {version}") from None


def new_master_key() -> str:
    """A fresh base64 AES-256 key, for ``DESKPILOT_VAULT_MASTER_KEYS``."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


@dataclass(frozen=True)
class RotationReport:
    rewrapped: int
    current_version: str
    failed: tuple[str, ...] = ()
    """Tenants whose data key would not unwrap with any configured master key (left as they were)."""


class Vault:
    """Stores and reads one tenant's secrets by purpose (``oauth:hubspot:tokens``, ``mcp:<id>:credentials``)."""

    def __init__(self, keys: KeyProvider) -> None:
        self.keys = keys

    def __repr__(self) -> str:
        return f"Vault({self.keys!r})"

    def _unwrap(self, stored: WrappedDataKey) -> bytes:
        return self.keys.unwrap(
            stored.master_version, stored.wrapped_key, _data_key_aad(stored.tenant_id, stored.generation)
        )

    async def _new_data_key(self, repo: VaultRepository, tenant_id: str) -> WrappedDataKey:
        generation = 1
        version, wrapped = self.keys.wrap(os.urandom(KEY_BYTES), _data_key_aad(tenant_id, generation))
        await repo.insert_data_key(tenant_id, generation, version, wrapped)
        # A concurrent writer may have won the insert; everyone uses the stored key.
        stored = await repo.data_key(tenant_id)
        assert stored is not None
        return stored

    async def put(self, session: AsyncSession, tenant_id: str, purpose: str, secret: str) -> None:
        repo = VaultRepository(session)
        stored = await repo.data_key(tenant_id) or await self._new_data_key(repo, tenant_id)
        sealed = _seal(self._unwrap(stored), secret.encode(), _secret_aad(tenant_id, purpose))
        await repo.put_secret(tenant_id, purpose, stored.generation, sealed)

    async def get(self, session: AsyncSession, tenant_id: str, purpose: str) -> SecretStr | None:
        repo = VaultRepository(session)
        secret = await repo.secret(tenant_id, purpose)
        if secret is None:
            return None
        stored = await repo.data_key(tenant_id)
        if stored is None or stored.generation != secret.key_generation:
            raise VaultError(f"secret {purpose!r} of tenant {tenant_id} has no matching data key")
        try:
            plaintext = _open(self._unwrap(stored), secret.sealed, _secret_aad(tenant_id, purpose))
        except InvalidTag:
            raise VaultError(f"secret {purpose!r} of tenant {tenant_id} does not decrypt") from None
        return SecretStr(plaintext.decode())

    async def delete(self, session: AsyncSession, tenant_id: str, purpose: str) -> None:
        await VaultRepository(session).delete_secret(tenant_id, purpose)

    async def rewrap_one(self, session: AsyncSession, tenant_id: str) -> bool:
        """Re-wrap this tenant's data key with the newest master key; False if it already was (or is gone)."""
        current = self.keys.current_version
        repo = VaultRepository(session)
        stored = await repo.data_key(tenant_id, for_update=True)
        if stored is None or stored.master_version == current:
            return False
        version, wrapped = self.keys.wrap(self._unwrap(stored), _data_key_aad(tenant_id, stored.generation))
        await repo.rewrap_data_key(tenant_id, stored.generation, version, wrapped)
        return True


async def rotate_master_key(sessions: async_sessionmaker[AsyncSession], vault: Vault) -> RotationReport:
    """Re-wrap every tenant data key still under an older master key, one short transaction per tenant, so
    services keep reading (they hold every configured version) while it runs; safe to re-run or run twice."""
    current = vault.keys.current_version
    async with sessions() as session:
        pending = await VaultRepository(session).tenants_not_on_master_key(current)
    rewrapped, failed = 0, []
    for tenant_id in pending:
        try:
            async with sessions() as session, session.begin():
                rewrapped += await vault.rewrap_one(session, tenant_id)
        except VaultError:
            failed.append(tenant_id)
    return RotationReport(rewrapped=rewrapped, current_version=current, failed=tuple(failed))
