"""A local fake of HubSpot's OAuth 2 server and CRM v3 contacts API, speaking their wire format over real HTTP.

Authorize: ``GET /oauth/authorize`` (consent is given at once: 302 to ``redirect_uri?code=…&state=…``).
Token: ``POST /oauth/v1/token`` (form; ``client_secret_post``), answering ``{"token_type": "bearer",
"access_token", "refresh_token", "expires_in"}`` or HubSpot's errors (``{"status": "BAD_REFRESH_TOKEN", …}``).
Contacts: ``GET``/``PATCH /crm/v3/objects/contacts/{id}?idProperty=email`` with a bearer token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
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

CLIENT_ID = "fake-client-id-1234"
CLIENT_SECRET = "fake-client-secret-5678"


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    body = {"status": code, "message": message, "correlationId": str(uuid.uuid4()), **extra}
    return JSONResponse(body, status_code=status)


@dataclass
class FakeHubSpot:
    redirect_uri: str
    base_url: str = ""
    expires_in: int = 1800
    rotate_refresh_tokens: bool = True
    token_failures: list[int] = field(default_factory=list)  # statuses to answer the next token calls with
    reject_all_access: bool = False
    refresh_gate: asyncio.Event | None = None
    refresh_calls: int = 0
    refresh_waiting: int = 0
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    access_tokens: dict[str, float] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)  # every token handed out, to search the database for
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    revoked_refresh_tokens: list[str] = field(default_factory=list)

    def revoke_refresh_tokens(self) -> None:
        self.refresh_tokens.clear()

    def _issue(self) -> dict[str, Any]:
        access, refresh = f"CKT{secrets.token_hex(24)}", f"na1-{uuid.uuid4()}"
        self.access_tokens[access] = time.time() + self.expires_in
        self.refresh_tokens.add(refresh)
        self.issued += [access, refresh]
        return {"token_type": "bearer", "access_token": access, "refresh_token": refresh, "expires_in": self.expires_in}

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != CLIENT_ID or q.get("redirect_uri") != self.redirect_uri:
            return _error(400, "BAD_CLIENT_ID", "unknown client_id or redirect_uri")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return _error(400, "BAD_REQUEST", "PKCE with S256 is required")
        code = uuid.uuid4().hex
        self.codes[code] = {"challenge": q["code_challenge"], "scope": q.get("scope", "")}
        return RedirectResponse(f"{self.redirect_uri}?{urlencode({'code': code, 'state': q['state']})}", 302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if self.token_failures:
            status = self.token_failures.pop(0)
            return _error(status, "RATE_LIMIT" if status == 429 else "INTERNAL_ERROR", "try again later")
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _error(400, "BAD_CLIENT_ID", "missing or unknown client id")
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(str(form.get("code")), None)
            if grant is None or form.get("redirect_uri") != self.redirect_uri:
                return _error(400, "BAD_AUTH_CODE", "missing or unknown auth code")
            digest = hashlib.sha256(str(form.get("code_verifier", "")).encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return _error(400, "BAD_AUTH_CODE", "code_verifier does not match the code_challenge")
            return JSONResponse(self._issue())
        if form.get("grant_type") == "refresh_token":
            self.refresh_calls += 1
            if self.refresh_gate is not None:
                self.refresh_waiting += 1
                await self.refresh_gate.wait()
            refresh = str(form.get("refresh_token"))
            if refresh not in self.refresh_tokens:
                return _error(400, "BAD_REFRESH_TOKEN", "missing or invalid refresh token")
            if self.rotate_refresh_tokens:
                self.refresh_tokens.discard(refresh)
            return JSONResponse(self._issue())
        return _error(400, "BAD_GRANT_TYPE", "unsupported grant_type")

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        expiry = self.access_tokens.get(token)
        return scheme.lower() == "bearer" and expiry is not None and expiry > time.time() and not self.reject_all_access

    async def contact(self, request: Request) -> Response:
        if not self._authorized(request):
            return JSONResponse(
                {
                    "status": "error",
                    "message": "Authentication credentials not found.",
                    "correlationId": str(uuid.uuid4()),
                    "category": "INVALID_AUTHENTICATION",
                },
                status_code=401,
            )
        if request.query_params.get("idProperty") != "email":
            return _error(400, "error", "this fake looks contacts up by email only", category="VALIDATION_ERROR")
        email = request.path_params["contact_id"].lower()
        found = self.contacts.get(email)
        if found is None:
            return _error(404, "error", "resource not found", category="OBJECT_NOT_FOUND")
        if request.method == "PATCH":
            changes = (await request.json())["properties"]
            found["properties"].update(changes)
            found["updatedAt"] = "2026-11-24T12:00:00.000Z"
        return JSONResponse({**found, "archived": False})

    async def revoke_refresh_token(self, request: Request) -> Response:
        """``DELETE /oauth/v1/refresh-tokens/{token}``: the refresh token (and the app's access) is withdrawn."""
        token = request.path_params["token"]
        if token not in self.refresh_tokens:
            return _error(404, "NOT_FOUND", "refresh token not found")
        self.refresh_tokens.discard(token)
        self.revoked_refresh_tokens.append(token)
        return Response(status_code=204)

    async def contact_page(self, request: Request) -> Response:
        """``GET /crm/v3/objects/contacts``: a page of contacts (a connection test reads one)."""
        if not self._authorized(request):
            return _error(401, "error", "Authentication credentials not found.", category="INVALID_AUTHENTICATION")
        limit = int(request.query_params.get("limit") or 10)
        return JSONResponse({"results": list(self.contacts.values())[:limit]})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/crm/v3/objects/contacts", self.contact_page),
                Route("/oauth/authorize", self.authorize),
                Route("/oauth/v1/token", self.token, methods=["POST"]),
                Route("/oauth/v1/refresh-tokens/{token}", self.revoke_refresh_token, methods=["DELETE"]),
                Route("/crm/v3/objects/contacts/{contact_id}", self.contact, methods=["GET", "PATCH"]),
            ]
        )
