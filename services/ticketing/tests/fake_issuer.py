"""A local OpenID Connect issuer speaking the real protocol over real HTTP, for single sign-on tests.

Discovery: ``GET /.well-known/openid-configuration``; keys: ``GET /jwks`` (an RSA key generated here, per fake).
Authorize: ``GET /authorize`` (code flow only; consent is given at once as :attr:`FakeIssuer.user`: 302 to the
registered ``redirect_uri`` with ``code`` and ``state``; PKCE S256 required). Token: ``POST /token`` (form,
``client_secret_basic`` or ``client_secret_post``; the code once, with the verifier of its challenge) answering
``access_token`` and a signed ``id_token`` carrying the request's ``nonce``.

:attr:`FakeIssuer.tamper` makes the next ID token wrong in one way — ``audience`` (another client's), ``expired``,
``bad_signature`` (signed with a key it does not publish, under the published key id), ``replay`` (the ID token
of the previous sign-in again, with that sign-in's nonce).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "deskpilot-test-client"
CLIENT_SECRET = "fake-oidc-secret-9f2c41"
KEY_ID = "fake-issuer-key-1"
Tamper = Literal["audience", "expired", "bad_signature", "replay"]


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


@dataclass
class FakeIssuer:
    redirect_uris: list[str]
    base_url: str = ""
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    user: dict[str, Any] = field(default_factory=lambda: {"sub": "user-1", "email": "sso@example.com"})
    tamper: Tamper | None = None
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "use": "sig"}))
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued: list[str] = field(default_factory=list)  # every ID token handed out, oldest first

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/jwks", self.jwks),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
            ]
        )

    async def discovery(self, _request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.base_url,
                "authorization_endpoint": f"{self.base_url}/authorize",
                "token_endpoint": f"{self.base_url}/token",
                "jwks_uri": f"{self.base_url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        )

    async def jwks(self, _request: Request) -> Response:
        return JSONResponse(KeySet([self.key]).as_dict(private=False))

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("redirect_uri") not in self.redirect_uris:
            return _error("invalid_request", "unknown client or unregistered redirect_uri")
        if q.get("response_type") != "code" or "openid" not in q.get("scope", "").split():
            return _error("unsupported_response_type", "code flow with the openid scope only")
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return _error("invalid_request", "PKCE (S256) is required")
        code = secrets.token_urlsafe(24)
        self.codes[code] = {
            "nonce": q.get("nonce"),
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
            "user": dict(self.user),
        }
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}", 302)

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "basic":
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client_id and secrets.compare_digest(secret, self.client_secret)

    async def token(self, request: Request) -> Response:
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if not self._client_ok(request, form):
            return _error("invalid_client", "client authentication failed", 401)
        grant = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return _error("invalid_grant", "unknown or used code")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _error("invalid_grant", "redirect_uri differs from the authorization request's")
        if _challenge(form.get("code_verifier", "")) != grant["challenge"]:
            return _error("invalid_grant", "code_verifier does not match the code_challenge")
        tamper, self.tamper = self.tamper, None
        access_token = secrets.token_urlsafe(24)
        id_token = self.issued[-1] if tamper == "replay" and self.issued else self._id_token(grant, tamper)
        self.issued.append(id_token)
        return JSONResponse(
            {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token},
            headers={"Cache-Control": "no-store"},
        )

    def _id_token(self, grant: dict[str, Any], tamper: Tamper | None) -> str:
        now = int(time.time())
        claims = {
            "iss": self.base_url,
            "aud": "another-client" if tamper == "audience" else self.client_id,
            "iat": now - 7200 if tamper == "expired" else now,
            "exp": now - 3600 if tamper == "expired" else now + 300,
            "nonce": grant["nonce"],
            **grant["user"],
        }
        key = self.key
        if tamper == "bad_signature":
            key = RSAKey.generate_key(2048, parameters={"kid": KEY_ID})
        return jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key)
