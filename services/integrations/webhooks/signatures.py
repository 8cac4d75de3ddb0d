"""Incoming webhooks: each provider's signature checked over the raw bytes, in constant time, failing closed.

An integration's manifest names its scheme (``webhooks.scheme``); the schemes:

Shopify: ``X-Shopify-Hmac-Sha256`` = base64 HMAC-SHA256(secret, body).
Stripe: ``Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]``, hex HMAC-SHA256(secret, "<t>." + body), |now - t| ≤ 300 s.
Zendesk: ``X-Zendesk-Webhook-Signature`` = base64 HMAC-SHA256(secret, timestamp + body), timestamp from
``X-Zendesk-Webhook-Signature-Timestamp`` (also within 300 s).
HubSpot v3: ``X-HubSpot-Signature-v3`` = base64 HMAC-SHA256(client secret, method + URI + body + timestamp),
``X-HubSpot-Request-Timestamp`` in milliseconds, within 300 s.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Provider = Literal["shopify", "stripe", "zendesk", "hubspot"]  # the providers WebhookReceived (v1) can name
TOLERANCE_SECONDS = 300


class WebhookRejected(Exception):
    """The delivery is not provably from the provider (or too old); answer 401 and do nothing."""


@dataclass(frozen=True)
class VerifiedDelivery:
    delivery_id: str
    topic: str
    payload: dict[str, Any]


def _hmac(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def _same(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.strip().encode())


def _fresh(timestamp: float, now: float) -> None:
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise WebhookRejected("timestamp outside the 300 s tolerance")


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise WebhookRejected("body is not JSON") from None


def _shopify(secret: bytes, headers: Mapping[str, str], raw: bytes, _m: str, _u: str, _n: float) -> VerifiedDelivery:
    expected = base64.b64encode(_hmac(secret, raw)).decode()
    if not _same(expected, headers.get("x-shopify-hmac-sha256")):
        raise WebhookRejected("bad signature")
    body = _json(raw)
    delivery = headers.get("x-shopify-webhook-id") or headers.get("x-shopify-event-id")
    if not delivery or not isinstance(body, dict):
        raise WebhookRejected("missing webhook id")
    return VerifiedDelivery(delivery, headers.get("x-shopify-topic", "unknown"), body)


def _stripe(secret: bytes, headers: Mapping[str, str], raw: bytes, _m: str, _u: str, now: float) -> VerifiedDelivery:
    parts = [p.split("=", 1) for p in headers.get("stripe-signature", "").split(",") if "=" in p]
    stamps = [v.strip() for k, v in parts if k.strip() == "t"]
    signatures = [v for k, v in parts if k.strip() == "v1"]
    if len(stamps) != 1 or not signatures or not stamps[0].isdigit():
        raise WebhookRejected("malformed Stripe-Signature")
    _fresh(int(stamps[0]), now)
    expected = _hmac(secret, stamps[0].encode() + b"." + raw).hex()
    if not any(_same(expected, s) for s in signatures):
        raise WebhookRejected("bad signature")
    body = _json(raw)
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        raise WebhookRejected("missing event id")
    return VerifiedDelivery(body["id"], str(body.get("type", "unknown")), body)


def _zendesk(secret: bytes, headers: Mapping[str, str], raw: bytes, _m: str, _u: str, now: float) -> VerifiedDelivery:
    stamp = headers.get("x-zendesk-webhook-signature-timestamp", "")
    try:
        _fresh(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp(), now)
    except ValueError:
        raise WebhookRejected("malformed timestamp") from None
    expected = base64.b64encode(_hmac(secret, stamp.encode() + raw)).decode()
    if not _same(expected, headers.get("x-zendesk-webhook-signature")):
        raise WebhookRejected("bad signature")
    body = _json(raw)
    delivery = headers.get("x-zendesk-webhook-invocation-id")
    if not delivery or not isinstance(body, dict):
        raise WebhookRejected("missing invocation id")
    return VerifiedDelivery(delivery, str(body.get("type", "unknown")), body)


def _hubspot(
    secret: bytes, headers: Mapping[str, str], raw: bytes, method: str, url: str, now: float
) -> VerifiedDelivery:
    stamp = headers.get("x-hubspot-request-timestamp", "")
    if not stamp.isdigit():
        raise WebhookRejected("malformed timestamp")
    _fresh(int(stamp) / 1000, now)
    source = method.upper().encode() + url.encode() + raw + stamp.encode()
    expected = base64.b64encode(_hmac(secret, source)).decode()
    if not _same(expected, headers.get("x-hubspot-signature-v3")):
        raise WebhookRejected("bad signature")
    body = _json(raw)
    events = body if isinstance(body, list) else [body]
    topic = str(events[0].get("subscriptionType", "")) if events and isinstance(events[0], dict) else ""
    # A HubSpot batch has no delivery id of its own; a retried batch has the same bytes (and a new signature).
    return VerifiedDelivery(hashlib.sha256(raw).hexdigest(), topic or "unknown", {"events": events})


_VERIFIERS = {
    "shopify_hmac": _shopify,
    "stripe_signature": _stripe,
    "zendesk_signature": _zendesk,
    "hubspot_v3": _hubspot,
}


def verify(
    scheme: str, secret: bytes, headers: Mapping[str, str], raw: bytes, *, method: str, url: str, now: float
) -> VerifiedDelivery:
    """Check the signature of one delivery by the manifest's scheme; ``headers`` must be case-insensitive (as
    Litestar's are)."""
    verifier = _VERIFIERS.get(scheme)
    if verifier is None:
        raise WebhookRejected("unknown signature scheme")
    return verifier(secret, headers, raw, method, url, now)
