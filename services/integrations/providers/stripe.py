"""Stripe tools over its REST API (form-encoded requests, JSON responses) with the tenant's API key from the vault.

Refunds carry an ``Idempotency-Key`` derived from the tool call's idempotency key, so a redelivered tool request
(after a crash before our commit) or our own retry of a lost response is answered by Stripe's replay, never by a
second refund. Errors become typed tool failures; a 401 revokes the connection.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession

from libs.platform.destinations import DestinationRefused, Destinations
from services.integrations.errors import ToolError, lost_in_transit, unsent
from services.integrations.manifest import Manifest, api_key_purpose
from services.integrations.repository import Connection
from services.integrations.tools.call import ToolCall
from services.integrations.tools.catalog import revoke
from services.integrations.vault import Vault, VaultError

TIMEOUT = httpx2.Timeout(20.0, connect=5.0)
STRIPE_VERSION = "2024-06-20"


def base_url(manifest: Manifest, connection: Connection) -> str:
    assert manifest.auth.api_key is not None
    override = connection.params.get("api_base_url")
    return str(override or manifest.auth.api_key.api_base_url).rstrip("/")


@dataclass(frozen=True)
class StripeRequest:
    method: str
    path: str
    form: dict[str, str]
    idempotency_key: str | None
    query: tuple[tuple[str, str], ...] = ()

    def describe(self) -> dict[str, Any]:
        """The request as audited (never the key)."""
        return {"method": self.method, "path": self.path, "form": self.form, "idempotency_key": self.idempotency_key}


def build_request(call: ToolCall) -> StripeRequest:
    tool, args = call.request.tool, call.request.arguments
    if tool == "get_payment":
        path = f"/v1/payment_intents/{quote(str(args['payment_intent']), safe='')}"
        return StripeRequest("GET", path, {}, None, (("expand[]", "latest_charge"),))
    if tool == "refund_payment":
        targets = [k for k in ("payment_intent", "charge") if k in args]
        if len(targets) != 1:
            raise ToolError("invalid_arguments", "give exactly one of payment_intent and charge")
        form: dict[str, str] = {targets[0]: str(args[targets[0]])}
        if "amount" in args:
            form["amount"] = str(int(args["amount"]))
        if "reason" in args:
            form["reason"] = str(args["reason"])
        form["metadata[deskpilot_tool_call_id]"] = call.request.tool_call_id
        return StripeRequest("POST", "/v1/refunds", form, call.idempotency_key("refund"))
    raise ToolError("unknown_tool", f"{tool} has no handler")


def _retry_after(response: httpx2.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _should_retry(response: httpx2.Response, write: bool) -> bool:
    """Stripe-Should-Retry decides when present; without it only reads are retried (a write never blindly)."""
    flag = response.headers.get("stripe-should-retry")
    if flag is not None:
        return flag.lower() == "true"
    return not write and (response.status_code == 429 or response.status_code >= 500)


def _error_message(response: httpx2.Response) -> tuple[str, str]:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    return str(error.get("type", "")), str(error.get("message", ""))[:500]


async def _send(key: str, url: str, req: StripeRequest, max_wait: float, destinations: Destinations) -> httpx2.Response:
    """``max_wait``: the longest Retry-After waited out in line (the manifest's ``rate_limit``). ``url`` may be the
    tenant's ``api_base_url``: it must be a public destination (``libs.platform.destinations``) unless the operator
    allows private ones, and each connection goes to the address that was checked."""
    try:
        await destinations.check_url(url)
    except DestinationRefused as refused:
        raise ToolError("permanent", f"Stripe was not called: {refused.reason}") from None
    headers = {"Authorization": f"Bearer {key}", "Stripe-Version": STRIPE_VERSION}
    if req.idempotency_key:
        headers["Idempotency-Key"] = req.idempotency_key
    write = req.method != "GET"
    async with destinations.client(base_url=url, timeout=TIMEOUT) as client:
        for attempt in range(2):
            try:
                response = await client.request(
                    req.method, req.path, headers=headers, params=list(req.query), data=req.form if write else None
                )
            except httpx2.TransportError as exc:
                # The request may or may not have reached Stripe; the Idempotency-Key makes one retry safe.
                if attempt == 0:
                    continue
                raise lost_in_transit(
                    "Stripe", type(exc).__name__, sent=not unsent(exc), repeatable=not write
                ) from None
            retryable = response.headers.get("stripe-should-retry", "").lower() == "true"
            if response.status_code != 429 and response.status_code < 500 and not retryable:
                return response
            wait = _retry_after(response)
            if attempt == 0 and _should_retry(response, write) and (wait or 0.0) <= max_wait:
                await asyncio.sleep(wait if wait is not None else 0.5)
                continue
            _, message = _error_message(response)
            later = f" (retry after {wait:g}s)" if wait is not None else ""
            raise ToolError("transient", f"Stripe answered {response.status_code}{later}; try again shortly. {message}")
    raise AssertionError("unreachable")


def _payment_view(body: dict[str, Any]) -> dict[str, Any]:
    charge = (body.get("latest_charge") if isinstance(body.get("latest_charge"), dict) else None) or {}
    return {
        "id": body.get("id"),
        "amount": body.get("amount"),
        "amount_received": body.get("amount_received"),
        "amount_refunded": charge.get("amount_refunded"),
        "currency": body.get("currency"),
        "status": body.get("status"),
        "customer": body.get("customer"),
        "description": body.get("description"),
    }


def describe(call: ToolCall) -> dict[str, Any]:
    """A dry-run write: the exact request that would have been sent (never the key)."""
    req = build_request(call)
    return {
        "request": req.describe(),
        "summary": f"Would send Stripe {req.method} {req.path} with {json.dumps(req.form)}.",
    }


async def stored_key(vault: Vault, session: AsyncSession, tenant_id: str, manifest: Manifest) -> str:
    """The tenant's Stripe key from the vault, or the tool failure an admin can act on."""
    try:
        secret = await vault.get(session, tenant_id, api_key_purpose(manifest.name))
    except VaultError:
        raise ToolError("permanent", "the stored Stripe key could not be read") from None
    if secret is None:
        raise ToolError("unauthorized", "Stripe is not connected; an admin must connect it")
    return secret.get_secret_value()


async def balance(
    vault: Vault,
    session: AsyncSession,
    tenant_id: str,
    manifest: Manifest,
    connection: Connection,
    destinations: Destinations,
) -> bool:
    """The cheapest read Stripe offers, with the stored key (a connection check): whether the key is a live one.
    Refusals come back as the tool failures a tool call would meet, 401 included (the connection is not revoked)."""
    key = await stored_key(vault, session, tenant_id, manifest)
    balance_request = StripeRequest("GET", "/v1/balance", {}, None)
    response = await _send(key, base_url(manifest, connection), balance_request, 0.0, destinations)
    if response.status_code == 401:
        raise ToolError("unauthorized", "Stripe rejected the API key; an admin must reconnect Stripe")
    if response.status_code >= 400:
        kind, message = _error_message(response)
        raise ToolError("permanent", f"Stripe refused the request ({kind or response.status_code}): {message}")
    return bool(response.json().get("livemode"))


async def execute(vault: Vault, call: ToolCall, destinations: Destinations) -> dict[str, Any]:
    tool, tenant_id, manifest = call.request.tool, call.tenant_id, call.manifest
    req = build_request(call)
    key = await stored_key(vault, call.session, tenant_id, manifest)
    await call.before_send()
    wait = manifest.rate_limit.max_inline_wait_seconds
    response = await _send(key, base_url(manifest, call.connection), req, wait, destinations)
    if response.status_code == 401:
        await revoke(call.uow, tenant_id, manifest.name, "Stripe rejected the API key (401)")
        raise ToolError("unauthorized", "Stripe rejected the API key; an admin must reconnect Stripe")
    if response.status_code == 404:
        raise ToolError("not_found", f"Stripe has no such object: {_error_message(response)[1]}")
    if response.status_code >= 400:
        kind, message = _error_message(response)
        raise ToolError("permanent", f"Stripe refused the request ({kind or response.status_code}): {message}")
    body: dict[str, Any] = response.json()
    if tool == "get_payment":
        view = _payment_view(body)
        return {
            **view,
            "summary": f"Stripe payment {view['id']}: {view['amount']} {view['currency']}, {view['status']}.",
        }
    refund = {k: body.get(k) for k in ("id", "amount", "currency", "status", "payment_intent", "charge", "reason")}
    replayed = response.headers.get("idempotent-replayed") == "true"
    summary = f"Refunded {refund['amount']} {refund['currency']} ({refund['status']}); Stripe refund {refund['id']}."
    return {**refund, "replayed": replayed, "summary": summary}
