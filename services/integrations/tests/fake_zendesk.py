"""A local fake of Zendesk's OAuth server and Support Tickets API, speaking their wire format over real HTTP.

Zendesk serves each account on its own host (``{subdomain}.zendesk.com``); this fake serves accounts under a path
prefix, ``/{subdomain}/…``, so tests keep ``{subdomain}`` in their URL overrides.

Authorize: ``GET /{subdomain}/oauth/authorizations/new`` (PKCE S256 required; consent at once: 302 to
``redirect_uri?code&state``). Token: ``POST /{subdomain}/oauth/tokens`` (form, ``client_secret_post``) checking the
``code_verifier`` against the challenge; refresh tokens rotate (each refresh kills the one it used). Errors are
``{"error", "error_description"}``. Tickets: ``GET``/``PUT /api/v2/tickets/{id}.json``, ``POST
/api/v2/tickets.json`` with a bearer token, answering ``{"ticket": {…}}``. A create with an ``Idempotency-Key``
seen before is replayed (same ticket, ``x-idempotency-lookup: hit``) when the body matches and refused with
``IdempotentRequestError`` when it does not.
"""

from __future__ import annotations

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

CLIENT_ID = "fake-zendesk-client"
CLIENT_SECRET = "fake-zendesk-secret"
SUBDOMAIN = "acme"


def _oauth_error(code: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": code, "error_description": description}, status_code=status)


def challenge_of(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


@dataclass
class FakeZendesk:
    redirect_uri: str
    base_url: str = ""
    expires_in: int = 3600
    refresh_calls: int = 0
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    refresh_tokens: set[str] = field(default_factory=set)
    used_refresh_tokens: list[str] = field(default_factory=list)
    access_tokens: dict[str, float] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)
    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    creates: int = 0
    create_requests: int = 0
    idempotency: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    api_requests: int = 0  # every request to the Tickets API that reached the fake
    throttle: list[str] = field(default_factory=list)  # answer the next requests 429 with these Retry-After values
    quota: tuple[int, int] | None = None  # (ratelimit-remaining, ratelimit-reset) sent on successful answers
    revoked: list[str] = field(default_factory=list)  # access tokens revoked through the API
    revoke_status: int | None = None  # answer revocation with this error status instead

    def _issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_hex(32), secrets.token_hex(32)
        self.access_tokens[access] = time.time() + self.expires_in
        self.refresh_tokens.add(refresh)
        self.issued += [access, refresh]
        return {
            "access_token": access,
            "token_type": "bearer",
            "scope": "tickets:read tickets:write",
            "refresh_token": refresh,
            "expires_in": self.expires_in,
            "refresh_token_expires_in": 2592000,
        }

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if request.path_params["subdomain"] != SUBDOMAIN:
            return Response("Help Center Closed", status_code=404)
        if q.get("client_id") != CLIENT_ID or q.get("redirect_uri") != self.redirect_uri:
            return _oauth_error("invalid_client", "unknown client or redirect_uri")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return _oauth_error("invalid_request", "code_challenge with S256 is required")
        code = uuid.uuid4().hex
        self.codes[code] = {"challenge": q["code_challenge"]}
        return RedirectResponse(f"{self.redirect_uri}?{urlencode({'code': code, 'state': q['state']})}", 302)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _oauth_error("invalid_client", "Client authentication failed", 401)
        if form.get("grant_type") == "authorization_code":
            grant = self.codes.pop(str(form.get("code")), None)
            if grant is None or form.get("redirect_uri") != self.redirect_uri:
                return _oauth_error("invalid_grant", "The provided authorization grant is invalid")
            if challenge_of(str(form.get("code_verifier", ""))) != grant["challenge"]:
                return _oauth_error("invalid_grant", "The code_verifier does not match the code_challenge")
            return JSONResponse(self._issue())
        if form.get("grant_type") == "refresh_token":
            self.refresh_calls += 1
            refresh = str(form.get("refresh_token"))
            self.used_refresh_tokens.append(refresh)
            if refresh not in self.refresh_tokens:
                return _oauth_error("invalid_grant", "The refresh token is invalid, expired or already used")
            self.refresh_tokens.discard(refresh)  # rotation: the old refresh token dies now
            return JSONResponse(self._issue())
        return _oauth_error("unsupported_grant_type", "unsupported grant_type")

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        expiry = self.access_tokens.get(token)
        return scheme.lower() == "bearer" and expiry is not None and expiry > time.time()

    def _limited(self) -> JSONResponse | None:
        """Zendesk's rate limiting: 429 with Retry-After, and the remaining/reset headers on every answer."""
        self.api_requests += 1
        if self.throttle:
            retry_after = self.throttle.pop(0)
            return JSONResponse(
                {"error": "APIRateLimitExceeded"}, status_code=429, headers={"Retry-After": retry_after}
            )
        return None

    def _quota_headers(self) -> dict[str, str]:
        if self.quota is None:
            return {}
        return {"ratelimit-remaining": str(self.quota[0]), "ratelimit-reset": str(self.quota[1])}

    def _unauthorized(self) -> JSONResponse:
        return _oauth_error("invalid_token", "The access token provided is expired, revoked or invalid", 401)

    async def create(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        if limited := self._limited():
            return limited
        self.create_requests += 1
        raw = await request.body()
        key = request.headers.get("idempotency-key")
        if key is not None and key in self.idempotency:
            body, ticket_id = self.idempotency[key]
            if body != raw:
                error = {"error": "IdempotentRequestError", "description": "Request parameters don't match the key"}
                return JSONResponse(error, status_code=400)
            replay = {"x-idempotency-lookup": "hit"}
            return JSONResponse({"ticket": self.tickets[ticket_id]}, status_code=201, headers=replay)
        ticket = (await request.json())["ticket"]
        if not ticket.get("subject") or not (ticket.get("comment") or {}).get("body"):
            return JSONResponse(
                {"error": "RecordInvalid", "description": "Record validation errors", "details": {}}, status_code=422
            )
        self.creates += 1
        ticket_id = 100 + len(self.tickets) + 1
        now = "2026-11-24T12:00:00Z"
        self.tickets[ticket_id] = {
            "id": ticket_id,
            "url": f"{self.base_url}/api/v2/tickets/{ticket_id}.json",
            "subject": ticket["subject"],
            "description": ticket["comment"]["body"],
            "status": "new",
            "priority": ticket.get("priority"),
            "requester_id": 9000 + ticket_id,
            "comments": [ticket["comment"]],
            "created_at": now,
            "updated_at": now,
        }
        if key is not None:
            self.idempotency[key] = (raw, ticket_id)
        lookup = {"x-idempotency-lookup": "miss"} if key is not None else {}
        return JSONResponse({"ticket": self.tickets[ticket_id]}, status_code=201, headers=lookup)

    async def ticket(self, request: Request) -> Response:
        if not self._authorized(request):
            return self._unauthorized()
        if limited := self._limited():
            return limited
        found = self.tickets.get(int(request.path_params["ticket_id"]))
        if found is None:
            return JSONResponse({"error": "RecordNotFound", "description": "Not found"}, status_code=404)
        if request.method == "PUT":
            changes = (await request.json())["ticket"]
            if "comment" in changes:
                found["comments"].append(changes.pop("comment"))
            found.update(changes)
            found["updated_at"] = "2026-11-24T12:30:00Z"
        return JSONResponse({"ticket": found}, headers=self._quota_headers())

    async def revoke_current(self, request: Request) -> Response:
        """``DELETE /api/v2/oauth/tokens/current.json``: revoke the token that authenticates this request."""
        if self.revoke_status is not None:
            return JSONResponse({"error": "InternalError"}, status_code=self.revoke_status)
        if not self._authorized(request):
            return self._unauthorized()
        token = request.headers["authorization"].partition(" ")[2]
        self.access_tokens.pop(token, None)
        self.revoked.append(token)
        return Response(status_code=204)

    async def me(self, request: Request) -> Response:
        """``GET /api/v2/users/me.json``: the user the token acts as (a connection test reads it)."""
        if not self._authorized(request):
            return self._unauthorized()
        return JSONResponse({"user": {"id": 1, "name": "Deskpilot", "role": "admin"}})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/{subdomain}/api/v2/users/me.json", self.me),
                Route("/{subdomain}/oauth/authorizations/new", self.authorize),
                Route("/{subdomain}/oauth/tokens", self.token, methods=["POST"]),
                Route("/{subdomain}/api/v2/tickets.json", self.create, methods=["POST"]),
                Route("/{subdomain}/api/v2/oauth/tokens/current.json", self.revoke_current, methods=["DELETE"]),
                Route("/{subdomain}/api/v2/tickets/{ticket_id:int}.json", self.ticket, methods=["GET", "PUT"]),
            ]
        )
