"""Per-conversation data keys in a JetStream key-value bucket, wrapped by per-tenant keys from the master keys.

Every conversation's personal fields are sealed with its own random AES-256-GCM *data key*. The data key is stored
only wrapped (AES-GCM) by its tenant's *key-encryption key*, which is derived (HKDF-SHA256) from a platform master
key in ``DESKPILOT_VAULT_MASTER_KEYS`` (``version:base64key`` pairs, newest first; the version is stored with each
wrapped key, so every configured version unwraps while a rotation runs). The wrapped keys live in the KV bucket
``DP_SUBJECT_KEYS`` under ``<tenant>.<conversation>``: every service reads them there, and nothing else is shared.

Erasure destroys a conversation's key for good: a tombstone replaces it (so that no later write can create a new
key for an erased conversation: its personal fields are then dropped, never stored), and the message that held the
wrapped key is deleted with JetStream's secure erase (``STREAM.MSG.DELETE`` without ``no_erase``: the server
overwrites it in its store). Without the key, a sealed field opens as ``[erased]``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nats.js import JetStreamContext
from nats.js.errors import (
    APIError,
    BucketNotFoundError,
    KeyNotFoundError,
    KeyWrongLastSequenceError,
    NotFoundError,
)
from nats.js.kv import KeyValue

from libs.events.streams import KEYS_BUCKET, KEYS_STREAM, keys_stream

if TYPE_CHECKING:
    from libs.events.envelope import Envelope

MASTER_KEYS_SETTING = "DESKPILOT_VAULT_MASTER_KEYS"
KEY_BYTES = 32
NONCE_BYTES = 12
CACHE_SECONDS = 30.0
"""How long a process trusts a data key it read: an erasure elsewhere reaches it within this time at the latest
(every service's erasure handler forgets the erased conversations at once)."""
CACHE_CONVERSATIONS = 4096
_TOMBSTONE = "erased"
_GONE = {10037, 10043, 10057}  # JetStream: no message found / sequence not found


class KeysUnavailable(RuntimeError):
    """No master key is configured (or not the version a key was wrapped with): nothing can be sealed or opened."""


@dataclass(frozen=True)
class MasterKeys:
    """The platform master keys by version, newest first (see the module docstring)."""

    keys: dict[str, bytes]

    def __repr__(self) -> str:
        return f"MasterKeys(versions={list(self.keys)!r})"

    @classmethod
    def parse(cls, value: str) -> MasterKeys:
        keys: dict[str, bytes] = {}
        for i, item in enumerate(p.strip() for p in value.split(",") if p.strip()):
            version, sep, encoded = item.partition(":")
            version = version.strip()
            if not sep or not version:
                raise ValueError(f"{MASTER_KEYS_SETTING} entry {i + 1} is not 'version:base64key'")
            try:
                key = base64.b64decode(encoded.strip(), validate=True)
            except binascii.Error:
                raise ValueError(f"{MASTER_KEYS_SETTING} entry {i + 1} ({version}) is not valid base64") from None
            if len(key) != KEY_BYTES or version in keys:
                raise ValueError(f"{MASTER_KEYS_SETTING} entry {i + 1} ({version}): 32-byte key, unique version")
            keys[version] = key
        return cls(keys)

    @classmethod
    def from_env(cls) -> MasterKeys:
        return cls.parse(os.environ.get(MASTER_KEYS_SETTING, ""))

    @property
    def current(self) -> str:
        if not self.keys:
            raise KeysUnavailable(f"no master key configured: set {MASTER_KEYS_SETTING}")
        return next(iter(self.keys))

    def tenant_kek(self, version: str, tenant_id: str) -> bytes:
        master = self.keys.get(version)
        if master is None:
            raise KeysUnavailable(f"master key version {version} is not configured ({MASTER_KEYS_SETTING})")
        hkdf = HKDF(hashes.SHA256(), KEY_BYTES, salt=b"deskpilot/subject-keys/v1", info=tenant_id.encode())
        return hkdf.derive(master)


def _wrap_aad(tenant_id: str, conversation_id: str) -> bytes:
    return f"deskpilot/conversation-key/v1\x00{tenant_id}\x00{conversation_id}".encode()


@dataclass
class ConversationKey:
    """A conversation's data key as this process knows it. ``aead`` is None when it has none (yet, or ``erased``
    for good). ``opened`` remembers what sealed strings opened to, so that rereading a conversation's log does not
    decrypt every field again."""

    aead: AESGCM | None
    erased: bool
    fetched: float
    opened: dict[str, str] = field(default_factory=dict)
    events: dict[str, Envelope] = field(default_factory=dict)


class SubjectKeys:
    """Creates, finds, caches and destroys conversations' data keys (see the module docstring)."""

    def __init__(self, js: JetStreamContext, master: MasterKeys | None = None) -> None:
        self._js = js
        self._master = master
        self._kv: KeyValue | None = None
        self._cache: OrderedDict[tuple[str, str], ConversationKey] = OrderedDict()

    @property
    def master(self) -> MasterKeys:
        if self._master is None:
            self._master = MasterKeys.from_env()
        return self._master

    async def ensure_bucket(self, replicas: int = 1) -> None:
        try:
            await self._js.stream_info(KEYS_STREAM)
        except NotFoundError:
            await self._js.add_stream(keys_stream(replicas))

    async def _bucket(self) -> KeyValue:
        if self._kv is None:
            try:
                self._kv = await self._js.key_value(KEYS_BUCKET)
            except BucketNotFoundError:
                await self.ensure_bucket()
                self._kv = await self._js.key_value(KEYS_BUCKET)
        return self._kv

    def forget(self, tenant_id: str, conversation_id: str) -> None:
        """Drop what this process knows of a conversation's key (it was erased, here or elsewhere)."""
        self._cache.pop((tenant_id, conversation_id), None)

    def known(self, tenant_id: str, conversation_id: str) -> ConversationKey | None:
        """The conversation's key if this process holds it fresh, without asking the bucket."""
        known = self._cache.get((tenant_id, conversation_id))
        if known is not None and (known.erased or time.monotonic() - known.fetched < CACHE_SECONDS):
            return known
        return None

    async def key(self, tenant_id: str, conversation_id: str, *, create: bool) -> ConversationKey:
        """The conversation's key; with ``create`` a new one when it has none (never once it was erased)."""
        slot = (tenant_id, conversation_id)
        known = self._cache.get(slot)
        now = time.monotonic()
        if known is not None and (known.erased or now - known.fetched < CACHE_SECONDS):
            self._cache.move_to_end(slot)
            return known
        aead, erased = await self._load(tenant_id, conversation_id, create=create)
        entry = ConversationKey(aead, erased, now)
        if aead is not None or erased:  # "none yet" is not remembered: the next write creates one
            if known is not None and aead is not None:
                entry.opened, entry.events = known.opened, known.events
            self._cache[slot] = entry
            while len(self._cache) > CACHE_CONVERSATIONS:
                self._cache.popitem(last=False)
        return entry

    async def _load(self, tenant_id: str, conversation_id: str, *, create: bool) -> tuple[AESGCM | None, bool]:
        kv = await self._bucket()
        name = f"{tenant_id}.{conversation_id}"
        try:
            entry = await kv.get(name)
            if entry.value is None:
                raise KeyNotFoundError
            if _is_tombstone(entry.value):
                return None, True
            return self._unwrap(tenant_id, conversation_id, entry.value), False
        except KeyNotFoundError:
            if not create:
                return None, False
        data_key = os.urandom(KEY_BYTES)
        try:
            await kv.create(name, self._wrap(tenant_id, conversation_id, data_key))
        except KeyWrongLastSequenceError:  # another process created it first (or erased it): theirs stands
            return await self._load(tenant_id, conversation_id, create=False)
        return AESGCM(data_key), False

    def _wrap(self, tenant_id: str, conversation_id: str, data_key: bytes) -> bytes:
        version = self.master.current
        nonce = os.urandom(NONCE_BYTES)
        kek = AESGCM(self.master.tenant_kek(version, tenant_id))
        wrapped = nonce + kek.encrypt(nonce, data_key, _wrap_aad(tenant_id, conversation_id))
        return json.dumps({"v": version, "k": base64.b64encode(wrapped).decode()}).encode()

    def _unwrap(self, tenant_id: str, conversation_id: str, value: bytes) -> AESGCM:
        stored = json.loads(value)
        wrapped = base64.b64decode(stored["k"])
        kek = AESGCM(self.master.tenant_kek(stored["v"], tenant_id))
        try:
            data_key = kek.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_aad(tenant_id, conversation_id))
        except InvalidTag:
            raise KeysUnavailable(
                f"the key of conversation {conversation_id} does not unwrap with master key {stored['v']}"
            ) from None
        return AESGCM(data_key)

    async def erase(self, tenant_id: str, conversation_id: str) -> bool:
        """Destroy the conversation's key for good; True if there was one. Safe to repeat."""
        kv = await self._bucket()
        name = f"{tenant_id}.{conversation_id}"
        self.forget(tenant_id, conversation_id)
        try:
            entry = await kv.get(name)
        except KeyNotFoundError:
            entry = None
        if entry is not None and entry.value is not None and _is_tombstone(entry.value):
            # A repeat, or a crash after the tombstone: make sure the key's own message is gone.
            await self._secure_delete(json.loads(entry.value).get("key_revision"))
            return False
        stone: dict[str, object] = {"state": _TOMBSTONE, "at": datetime.now(UTC).isoformat()}
        if entry is None or entry.value is None:
            try:
                await kv.create(name, json.dumps(stone).encode())
            except KeyWrongLastSequenceError:  # created meanwhile: erase that one
                return await self.erase(tenant_id, conversation_id)
            return False
        stone["key_revision"] = entry.revision
        try:
            await kv.update(name, json.dumps(stone).encode(), last=entry.revision)
        except KeyWrongLastSequenceError:
            return await self.erase(tenant_id, conversation_id)
        await self._secure_delete(entry.revision)
        self.forget(tenant_id, conversation_id)
        return True

    async def _secure_delete(self, revision: object) -> None:
        if not isinstance(revision, int):
            return
        try:
            # nats-py sends {"seq": n} without "no_erase": the server overwrites the message where it is stored.
            await self._js.delete_msg(KEYS_STREAM, revision)
        except APIError as exc:
            if exc.err_code not in _GONE:
                raise


def _is_tombstone(value: bytes) -> bool:
    try:
        return bool(json.loads(value).get("state") == _TOMBSTONE)
    except (ValueError, AttributeError):
        return False
