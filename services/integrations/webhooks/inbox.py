"""Accepting a provider's webhook delivery: signed by the tenant's secret, once per delivery id, announced as
``webhook.received`` (tenant-scoped, through the outbox). Anything not provably from the provider leaves no trace."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from libs.events import SYSTEM, Envelope, WebhookReceived
from libs.platform.outbox import UnitOfWork
from services.integrations.manifest import builtin_manifests
from services.integrations.repository import WebhookDeliveryRepository
from services.integrations.vault import Vault, VaultError
from services.integrations.webhooks.signatures import Provider, WebhookRejected, verify


class NoWebhooksFrom(Exception):
    """The provider sends no webhooks we accept (its manifest declares no signature scheme)."""

    def __init__(self, provider: str) -> None:
        accepted = sorted(m.name for m in builtin_manifests().values() if m.webhooks is not None)
        super().__init__(f"webhooks are accepted for {', '.join(accepted)}")
        self.provider = provider


@dataclass(frozen=True)
class SignedRequest:
    """A delivery as it arrived: ``headers`` case-insensitive, ``url`` as the provider called it (HubSpot signs it)."""

    headers: Mapping[str, str]
    raw: bytes
    method: str
    url: str


def secret_purpose(provider: str) -> str:
    """The vault purpose of a tenant's signing secret for ``provider``'s webhooks."""
    return f"webhook:{provider}:signing-secret"


def scheme_of(provider: str) -> str:
    """How ``provider`` signs its webhooks, from its manifest."""
    manifest = builtin_manifests().get(provider)
    if manifest is None or manifest.webhooks is None:
        raise NoWebhooksFrom(provider)
    return manifest.webhooks.scheme


async def accept(
    uow: UnitOfWork, vault: Vault, tenant_id: str, provider: str, request: SignedRequest, now: float
) -> bool:
    """Verify one delivery and announce it unless it was accepted before; True when it is new.

    Raises ``WebhookRejected`` (unsigned, mis-signed, stale, or a tenant without a secret) and ``NoWebhooksFrom``.
    """
    try:
        secret = await vault.get(uow.session, tenant_id, secret_purpose(provider))
    except VaultError:
        raise WebhookRejected("the signing secret could not be read") from None
    if secret is None:
        raise WebhookRejected("no signing secret for this endpoint")
    delivery = verify(
        scheme_of(provider), secret.get_secret_value().encode(), request.headers, request.raw,
        method=request.method, url=request.url, now=now,
    )  # fmt: skip
    new = await WebhookDeliveryRepository(uow.session).record(tenant_id, provider, delivery.delivery_id)
    if new:
        received = WebhookReceived(
            provider=cast(Provider, provider),
            topic=delivery.topic[:200],
            delivery_id=delivery.delivery_id,
            payload=delivery.payload,
        )
        uow.emit(Envelope.new(received, tenant_id=tenant_id, actor=SYSTEM))
    return new
