"""A local fake of Stripe's API over real HTTP, speaking its wire format.

``POST /v1/refunds`` (form body: ``payment_intent`` or ``charge``, ``amount``, ``reason``, ``metadata[…]``) and
``GET /v1/payment_intents/{id}``, authenticated with ``Authorization: Bearer <key>``. Errors are Stripe's
``{"error": {"type", "code", "message"}}`` objects. POSTs honour ``Idempotency-Key``: a repeated key with the same
parameters replays the original response (``Idempotent-Replayed: true``), with different parameters it is a 400
``idempotency_error``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def error(status: int, type_: str, message: str, code: str | None = None, **headers: str) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "message": message}
    if code:
        body["code"] = code
    return JSONResponse({"error": body}, status_code=status, headers=headers)


@dataclass
class Injected:
    """A canned answer for the next POST: ``after_processing`` applies it once the refund is made (a lost reply)."""

    status: int
    type: str
    message: str
    code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    after_processing: bool = False


@dataclass
class FakeStripe:
    base_url: str = ""
    keys: set[str] = field(default_factory=set)
    payment_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)  # every request: method, path, headers, form
    idempotent: dict[str, tuple[dict[str, str], int, dict[str, Any]]] = field(default_factory=dict)
    inject: list[Injected] = field(default_factory=list)

    def add_payment(self, amount: int, currency: str = "eur") -> str:
        pi, ch = f"pi_{secrets.token_hex(8)}", f"ch_{secrets.token_hex(8)}"
        self.payment_intents[pi] = {
            "id": pi,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount,
            "currency": currency,
            "status": "succeeded",
            "customer": "cus_fake",
            "description": "Order #1001",
            "latest_charge": {"id": ch, "object": "charge", "amount_refunded": 0},
        }
        return pi

    def _unauthorized(self, request: Request) -> Response | None:
        scheme, _, key = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or key not in self.keys:
            shown = f"{key[:8]}{'*' * 8}{key[-4:]}" if key else ""
            return error(401, "invalid_request_error", f"Invalid API Key provided: {shown}")
        return None

    async def payment_intent(self, request: Request) -> Response:
        self.requests.append({"method": "GET", "path": request.url.path, "headers": dict(request.headers), "form": {}})
        if (denied := self._unauthorized(request)) is not None:
            return denied
        found = self.payment_intents.get(request.path_params["pi"])
        if found is None:
            return error(
                404,
                "invalid_request_error",
                f"No such payment_intent: '{request.path_params['pi']}'",
                "resource_missing",
            )
        if "latest_charge" in request.query_params.getlist("expand[]"):
            return JSONResponse(found)
        return JSONResponse({**found, "latest_charge": found["latest_charge"]["id"]})

    async def refund(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.requests.append({"method": "POST", "path": "/v1/refunds", "headers": dict(request.headers), "form": form})
        if (denied := self._unauthorized(request)) is not None:
            return denied
        key = request.headers.get("idempotency-key")
        if key and key in self.idempotent:
            params, status, body = self.idempotent[key]
            if params != form:
                return error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                )
            return JSONResponse(body, status_code=status, headers={"Idempotent-Replayed": "true"})
        injected = self.inject.pop(0) if self.inject else None
        if injected is not None and not injected.after_processing:
            return error(injected.status, injected.type, injected.message, injected.code, **injected.headers)
        status, body = self._make_refund(form)
        if key:
            self.idempotent[key] = (form, status, body)
        if injected is not None:
            return error(injected.status, injected.type, injected.message, injected.code, **injected.headers)
        return JSONResponse(body, status_code=status)

    def _make_refund(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if "payment_intent" in form:
            pi = self.payment_intents.get(form["payment_intent"])
        else:
            pi = next(
                (p for p in self.payment_intents.values() if p["latest_charge"]["id"] == form.get("charge")), None
            )
        if pi is None:
            target = form.get("payment_intent") or form.get("charge")
            return 400, {"error": {"type": "invalid_request_error", "code": "resource_missing",
                                   "message": f"No such payment_intent: '{target}'"}}  # fmt: skip
        charge = pi["latest_charge"]
        left = pi["amount"] - charge["amount_refunded"]
        amount = int(form.get("amount", left))
        if amount > left or left == 0:
            return 400, {"error": {"type": "invalid_request_error", "code": "charge_already_refunded" if left == 0
                                   else "amount_too_large", "message": f"Refund amount ({amount}) is greater than "
                                   f"unrefunded amount on charge ({left})"}}  # fmt: skip
        charge["amount_refunded"] += amount
        refund = {
            "id": f"re_{secrets.token_hex(8)}",
            "object": "refund",
            "amount": amount,
            "currency": pi["currency"],
            "status": "succeeded",
            "payment_intent": pi["id"],
            "charge": charge["id"],
            "reason": form.get("reason"),
            "metadata": {k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
        }
        self.refunds.append(refund)
        return 200, refund

    async def balance(self, request: Request) -> Response:
        """``GET /v1/balance``: the cheapest read, which a connection test makes."""
        if (denied := self._unauthorized(request)) is not None:
            return denied
        return JSONResponse({"object": "balance", "livemode": False, "available": [{"amount": 0, "currency": "usd"}]})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/balance", self.balance, methods=["GET"]),
                Route("/v1/refunds", self.refund, methods=["POST"]),
                Route("/v1/payment_intents/{pi}", self.payment_intent, methods=["GET"]),
            ]
        )
