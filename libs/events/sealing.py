"""Sealing personal fields on the way into the log and opening them on the way out (see ``libs.events.personal``).

A sealed field is the string ``dpsealed:v1:`` + base64url(nonce || AES-256-GCM ciphertext), under its
conversation's data key (``libs.events.subject_keys``) and bound through associated data to its tenant and
conversation, so a sealed value copied into another conversation does not open. Sealing is idempotent (a sealed
string is left as it is), so an event may pass through several writers (outbox, then the log) unchanged.

Which conversation's key: the event's own conversation, or for a tenant-wide event about one conversation (an
internal note) the ``conversation_id`` in its payload. A personal field of an event that concerns no conversation
stays as it is (the catalog marks none).

Events stored before sealing existed hold their personal fields in clear. They are read as they are and never
rewritten (stored events never are): an erasure destroys no key for them, so it redacts the services' projections
but cannot reach their text in the log. Only events appended since are erasable by construction.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag

from libs.events.envelope import Actor, Envelope
from libs.events.personal import ERASED, StringMap, map_personal, personal_fields, personal_strings
from libs.events.subject_keys import NONCE_BYTES, ConversationKey, SubjectKeys

PREFIX = "dpsealed:v1:"
REMEMBERED = 4096  # opened strings and events remembered per conversation, while its key is cached


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def _aad(tenant_id: str, conversation_id: str) -> bytes:
    return f"deskpilot/sealed/v1\x00{tenant_id}\x00{conversation_id}".encode()


def subject_conversation(event: Envelope) -> str | None:
    """The conversation whose key seals ``event``'s personal fields."""
    if event.conversation_id is not None:
        return event.conversation_id
    about = getattr(event.payload, "conversation_id", None)
    return about if isinstance(about, str) else None


def has_personal(event: Envelope) -> bool:
    return bool(personal_fields(type(event.payload))) or event.actor.kind == "customer"


class Sealer:
    """Seals and opens envelopes with the conversations' keys (see the module docstring)."""

    def __init__(self, keys: SubjectKeys) -> None:
        self.keys = keys

    async def seal(self, event: Envelope) -> Envelope:
        """``event`` with its personal fields sealed; dropped (``[erased]``) if its conversation was erased."""
        conversation = subject_conversation(event)
        if conversation is None or not has_personal(event):
            return event
        key = await self.keys.key(event.tenant_id, conversation, create=True)
        aad = _aad(event.tenant_id, conversation)

        def seal(value: str) -> str:
            if is_sealed(value) or value == ERASED:
                return value
            if key.aead is None:
                return ERASED
            nonce = os.urandom(NONCE_BYTES)
            sealed = nonce + key.aead.encrypt(nonce, value.encode(), aad)
            return PREFIX + base64.urlsafe_b64encode(sealed).decode()

        return _apply(event, seal)

    async def open(self, event: Envelope) -> Envelope:
        """``event`` with its sealed fields opened (``[erased]`` where the key is gone)."""
        conversation = subject_conversation(event)
        if conversation is None or not has_personal(event):
            return event
        # Readers open the same stored events again and again (the agent rereads its conversation every step).
        known = self.keys.known(event.tenant_id, conversation)
        if known is not None and (hit := known.events.get(event.id)) is not None:
            return hit
        if not _any_sealed(event):
            return event
        key = await self.keys.key(event.tenant_id, conversation, create=False)
        aad = _aad(event.tenant_id, conversation)
        opened = _apply(event, lambda value: _open_one(key, value, aad))
        if (key.aead is not None or key.erased) and len(key.events) < REMEMBERED:
            key.events[event.id] = opened
        return opened

    async def seal_text(self, tenant_id: str, key_id: str, text: str) -> str:
        """A document sealed under the key ``key_id`` of the tenant (an export's own key); fails once erased."""
        key = await self.keys.key(tenant_id, key_id, create=True)
        if key.aead is None:
            raise LookupError(f"the key {key_id} was erased")
        nonce = os.urandom(NONCE_BYTES)
        return (
            PREFIX
            + base64.urlsafe_b64encode(nonce + key.aead.encrypt(nonce, text.encode(), _aad(tenant_id, key_id))).decode()
        )

    async def open_text(self, tenant_id: str, key_id: str, sealed: str) -> str | None:
        """What :meth:`seal_text` sealed, or None once its key was erased."""
        key = await self.keys.key(tenant_id, key_id, create=False)
        if key.aead is None:
            return None
        return _open_one(key, sealed, _aad(tenant_id, key_id))


def _open_one(key: ConversationKey, value: str, aad: bytes) -> str:
    if not is_sealed(value):
        return value  # written before sealing existed, or not personal after all
    if key.aead is None:
        return ERASED
    opened = key.opened.get(value)
    if opened is None:
        raw = base64.urlsafe_b64decode(value[len(PREFIX) :])
        try:
            opened = key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad).decode()
        except InvalidTag:
            raise ValueError("a sealed field does not open with its conversation's key") from None
        if len(key.opened) < REMEMBERED:
            key.opened[value] = opened
    return opened


def _any_sealed(event: Envelope) -> bool:
    if event.actor.kind == "customer" and is_sealed(event.actor.id):
        return True
    return any(is_sealed(value) for value in personal_strings(event.payload))


def _apply(event: Envelope, change: StringMap) -> Envelope:
    payload = map_personal(event.payload, change)
    actor = event.actor
    if actor.kind == "customer":
        new_id = change(actor.id)
        if new_id != actor.id:
            actor = Actor(kind=actor.kind, id=new_id)
    if payload is event.payload and actor is event.actor:
        return event
    return event.model_copy(update={"payload": payload, "actor": actor})
