"""A local fake of Shopify's OAuth server and GraphQL Admin API, speaking their wire format over real HTTP.

Shopify serves each shop on its own host (``{shop}.myshopify.com``); this fake serves them under a path prefix,
``/{shop}/…``, so tests point the manifest's templated URLs here with ``{shop}`` kept in the override.

Authorize: ``GET /{shop}/admin/oauth/authorize`` (consent at once: 302 to ``redirect_uri?code&hmac&shop&state&
timestamp``). Token: ``POST /{shop}/admin/oauth/access_token`` (form, client id and secret in the body): with
``expiring=1`` the answer is an expiring offline token ``{"access_token", "scope", "expires_in", "refresh_token",
"refresh_token_expires_in"}``; ``grant_type=refresh_token`` trades (and rotates) the refresh token; errors are
``{"error", "error_description"}``. GraphQL: ``POST /{shop}/admin/api/2025-10/graphql.json`` with
``X-Shopify-Access-Token``, answering ``orders(first:, query: "name:\\"#1001\\"")`` or a ``THROTTLED`` error with
``extensions.cost``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "fake-shopify-client-id"
CLIENT_SECRET = "fake-shopify-client-secret"
SHOP = "acme-store"


def _oauth_error(code: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


def _cost(requested: int, available: int) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": None if available < requested else requested,
            "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": available, "restoreRate": 100.0},
        }
    }


@dataclass
class FakeShopify:
    redirect_uri: str
    base_url: str = ""
    shops: set[str] = field(default_factory=lambda: {SHOP})
    expires_in: int = 3600
    throttle_next: int = 0  # answer this many GraphQL calls with THROTTLED
    refresh_calls: int = 0
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    access_tokens: dict[str, float] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)
    graphql_tokens: list[str] = field(default_factory=list)  # the token each GraphQL call carried
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    uninstalled: list[str] = field(default_factory=list)  # access tokens whose app was uninstalled
    forge_callback: bool = False  # sign the redirect with a wrong hmac (an attacker's forged callback)
    callback_shop: str | None = None  # name another shop in the redirect than the one authorised

    def revoke_refresh_tokens(self) -> None:
        self.refresh_tokens.clear()

    def _issue(self, scope: str) -> dict[str, Any]:
        access, refresh = f"shpat_{secrets.token_hex(16)}", f"shprt_{secrets.token_hex(16)}"
        self.access_tokens[access] = time.time() + self.expires_in
        self.refresh_tokens.add(refresh)
        self.issued += [access, refresh]
        return {
            "access_token": access,
            "scope": scope,
            "expires_in": self.expires_in,
            "refresh_token": refresh,
            "refresh_token_expires_in": 7776000,
        }

    async def authorize(self, request: Request) -> Response:
        shop, q = request.path_params["shop"], request.query_params
        if shop not in self.shops:
            return Response("There is no store at this address.", status_code=404)
        if q.get("client_id") != CLIENT_ID or q.get("redirect_uri") != self.redirect_uri:
            return Response("Oauth error invalid_request: The redirect_uri is not whitelisted", status_code=400)
        code = uuid.uuid4().hex
        self.codes[code] = {"shop": shop, "scope": q.get("scope", "")}
        back = {"code": code, "host": base64.b64encode(f"admin.shopify.com/store/{shop}".encode()).decode(),
                "shop": f"{self.callback_shop or shop}.myshopify.com", "state": q["state"],
                "timestamp": str(int(time.time()))}  # fmt: skip
        message = "&".join(f"{k}={v}" for k, v in sorted(back.items()))
        back["hmac"] = hmac.new(CLIENT_SECRET.encode(), message.encode(), hashlib.sha256).hexdigest()
        if self.forge_callback:
            back["hmac"] = "0" * 64
        return RedirectResponse(f"{self.redirect_uri}?{urlencode(back)}", 302)

    async def token(self, request: Request) -> Response:
        shop, form = request.path_params["shop"], await request.form()
        if shop not in self.shops:
            return Response("Not Found", status_code=404)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _oauth_error("invalid_client", "Client credentials are invalid", 401)
        if form.get("grant_type") == "refresh_token":
            self.refresh_calls += 1
            refresh = str(form.get("refresh_token"))
            if refresh not in self.refresh_tokens:
                return _oauth_error("invalid_grant", "The refresh token is invalid, revoked or expired")
            self.refresh_tokens.discard(refresh)
            return JSONResponse(self._issue("read_orders,read_fulfillments"))
        grant = self.codes.pop(str(form.get("code")), None)
        if grant is None or grant["shop"] != shop:
            return _oauth_error("invalid_request", "The authorization code was not found or was already used")
        if form.get("expiring") != "1":
            # A legacy non-expiring offline token: the tests insist on expiring ones.
            access = f"shpat_{secrets.token_hex(16)}"
            self.access_tokens[access] = float("inf")
            return JSONResponse({"access_token": access, "scope": grant["scope"]})
        return JSONResponse(self._issue(grant["scope"]))

    async def uninstall(self, request: Request) -> Response:
        """``DELETE /admin/api_permissions/current.json``: the app's access is revoked (the app is uninstalled)."""
        token = request.headers.get("x-shopify-access-token", "")
        if request.path_params["shop"] not in self.shops or self.access_tokens.pop(token, None) is None:
            return JSONResponse({"errors": "[API] Invalid API key or access token"}, status_code=401)
        self.uninstalled.append(token)
        return JSONResponse({})

    async def graphql(self, request: Request) -> Response:
        token = request.headers.get("x-shopify-access-token", "")
        expiry = self.access_tokens.get(token)
        if request.path_params["shop"] not in self.shops or expiry is None or expiry <= time.time():
            return JSONResponse(
                {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"},
                status_code=401,
            )
        self.graphql_tokens.append(token)
        body = await request.json()
        if self.throttle_next > 0:
            self.throttle_next -= 1
            error = {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"},
            }
            return JSONResponse({"errors": [error], "extensions": _cost(requested=52, available=12)})
        query, variables = str(body.get("query", "")), body.get("variables") or {}
        if query.replace(" ", "") == "{shop{name}}":
            shop = request.path_params["shop"]
            return JSONResponse({"data": {"shop": {"name": shop}}, "extensions": _cost(requested=1, available=1999)})
        if "orders(" not in query or "displayFulfillmentStatus" not in query:
            message = "Field 'orders' is missing or the selection is not supported by this fake"
            return JSONResponse({"errors": [{"message": message, "extensions": {"code": "undefinedField"}}]})
        found = re.fullmatch(r'name:"(#[A-Za-z0-9-]+)"', str(variables.get("query", "")))
        order = self.orders.get(found.group(1)) if found else None
        nodes = [order] if order else []
        return JSONResponse({"data": {"orders": {"nodes": nodes}}, "extensions": _cost(requested=12, available=1988)})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/{shop}/admin/oauth/authorize", self.authorize),
                Route("/{shop}/admin/oauth/access_token", self.token, methods=["POST"]),
                Route("/{shop}/admin/api/2025-10/graphql.json", self.graphql, methods=["POST"]),
                Route("/{shop}/admin/api_permissions/current.json", self.uninstall, methods=["DELETE"]),
            ]
        )
