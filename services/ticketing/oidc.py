"""OpenID Connect as a relying party, with authlib: discovery, the authorization request (code flow, PKCE S256,
state and nonce), the code exchange at the token endpoint, and the ID token's verification (signature by the
issuer's published keys, ``iss``, ``aud``/``azp``, ``exp``/``iat``, ``nonce``, ``at_hash``).

Each refusal says what was wrong in words a person can act on (:class:`SsoRefused`); nothing here touches the
database, so the network calls run between two transactions.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from libs.platform.destinations import DestinationRefused, Destinations, get_following

HTTP_TIMEOUT = 10.0
CACHE_S = 300.0  # discovery documents and key sets are asked again after this; an unknown key id asks at once
LEEWAY_S = 60  # clock skew allowed between the issuer and this service
SCOPE = "openid email profile"


PUBLIC = Destinations()
"""Where discovery, keys and tokens may be fetched from: public addresses only (``libs.platform.destinations``),
whatever the discovery document names. ``DESKPILOT_SSO_ALLOW_LOCAL_ISSUERS`` adds this machine (a local issuer, as
``check_issuer_url`` allows), never the operator's network."""
LOCAL_OR_PUBLIC = Destinations(allow_loopback=True)


class SsoRefused(Exception):
    """The sign-in does not hold; ``detail`` says why (shown to the person signing in)."""

    def __init__(self, detail: str, status: int = 401) -> None:
        super().__init__(detail)
        self.detail, self.status = detail, status


class IssuerUnavailable(SsoRefused):
    """The identity provider could not be reached or answered nonsense."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, 502)


ISSUER_URL = (
    r"^(https://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|http://(localhost|127\.0\.0\.1|\[::1\]))(:[0-9]{1,5})?"
    r"(/[^?#\x00-\x20\x7f]*)?$"
)
"""What ``check_issuer_url`` accepts, as a pattern the contract can state (and the request model enforces too)."""


def check_issuer_url(url: str) -> str:
    """An issuer is an https URL without query or fragment (plain http only on this machine, for local issuers)."""
    parts = urlsplit(url)
    local = parts.hostname == "localhost" or _loopback(parts.hostname or "")
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local) or not parts.hostname:
        raise ValueError("the issuer must be an https:// URL (http:// only for localhost)")
    if parts.query or parts.fragment:
        raise ValueError("the issuer URL has no query or fragment")
    return url.rstrip("/")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Provider:
    """What the issuer's discovery document says (the parts this relying party uses)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    algorithms: tuple[str, ...]


@dataclass(frozen=True)
class Identity:
    """Who the verified ID token says signed in."""

    issuer: str
    subject: str
    claims: dict[str, Any]


_REASONS = {
    "aud": "the ID token was issued for another client (audience does not match this client id)",
    "azp": "the ID token was issued to another party (azp does not match this client id)",
    "iss": "the ID token comes from another issuer than the configured one",
    "nonce": "the ID token's nonce is not this sign-in's (a replayed or foreign token)",
    "iat": "the ID token's issue time is not valid",
    "nbf": "the ID token is not valid yet",
    "at_hash": "the ID token does not belong to the access token it came with (at_hash)",
}


class OidcClient:
    """Talks OpenID Connect to any issuer; caches discovery documents and key sets per issuer for ``CACHE_S``."""

    def __init__(self, timeout: float = HTTP_TIMEOUT, destinations: Destinations = PUBLIC) -> None:
        self.timeout = timeout
        self._destinations = destinations
        self._providers: dict[str, tuple[float, Provider]] = {}
        self._keys: dict[str, tuple[float, KeySet]] = {}

    async def _get_json(self, url: str, what: str) -> dict[str, Any]:
        try:
            accept = {"Accept": "application/json"}
            async with self._destinations.client(timeout=self.timeout, headers=accept) as client:
                response = await get_following(client, url, self._destinations)
            body = response.json() if response.status_code == 200 else None
        except DestinationRefused as refused:
            raise IssuerUnavailable(f"the identity provider's {what} may not be fetched: {refused.reason}") from None
        except (httpx2.HTTPError, ValueError) as exc:
            raise IssuerUnavailable(
                f"the identity provider's {what} could not be read ({type(exc).__name__})"
            ) from None
        if not isinstance(body, dict):
            raise IssuerUnavailable(f"the identity provider's {what} answered {response.status_code}, not JSON")
        return body

    async def provider(self, issuer: str) -> Provider:
        """The issuer's discovery document (``/.well-known/openid-configuration``), which must name this issuer."""
        cached = self._providers.get(issuer)
        if cached is not None and time.monotonic() - cached[0] < CACHE_S:
            return cached[1]
        doc = await self._get_json(f"{issuer}/.well-known/openid-configuration", "discovery document")
        if str(doc.get("issuer", "")).rstrip("/") != issuer:
            raise IssuerUnavailable(f"the discovery document names another issuer ({doc.get('issuer')!r:.100})")
        try:
            found = Provider(
                issuer=issuer,
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
                algorithms=tuple(doc.get("id_token_signing_alg_values_supported") or ("RS256",)),
            )
        except KeyError as exc:
            raise IssuerUnavailable(f"the discovery document has no {exc.args[0]}") from None
        self._providers[issuer] = (time.monotonic(), found)
        return found

    async def _key_set(self, provider: Provider, *, fresh: bool) -> KeySet:
        cached = self._keys.get(provider.issuer)
        if cached is not None and not fresh and time.monotonic() - cached[0] < CACHE_S:
            return cached[1]
        try:
            keys = KeySet.import_key_set(await self._get_json(provider.jwks_uri, "key set (JWKS)"))  # type: ignore[arg-type]
        except (JoseError, ValueError, TypeError) as exc:
            raise IssuerUnavailable(f"the identity provider's key set does not parse ({type(exc).__name__})") from None
        self._keys[provider.issuer] = (time.monotonic(), keys)
        return keys

    def _client(self, client_id: str, client_secret: str, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            scope=SCOPE,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=self.timeout,
            transport=self._destinations.transport(),
            trust_env=False,
        )

    def authorization_url(
        self, provider: Provider, client_id: str, redirect_uri: str, state: str, nonce: str, verifier: str
    ) -> str:
        """Where the browser goes to sign in: code flow with PKCE (S256), ``state`` and ``nonce``."""
        client = self._client(client_id, "", redirect_uri)
        url, _ = client.create_authorization_url(
            provider.authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce
        )
        return str(url)

    async def exchange(
        self, provider: Provider, client_id: str, client_secret: str, redirect_uri: str, code: str, verifier: str
    ) -> dict[str, Any]:
        """Trade the authorization code (and the PKCE verifier) for tokens; the answer must hold an ID token."""
        try:
            async with self._client(client_id, client_secret, redirect_uri) as client:
                token = await client.fetch_token(
                    provider.token_endpoint, grant_type="authorization_code", code=code, code_verifier=verifier
                )
        except OAuthError as exc:
            raise SsoRefused(f"the identity provider refused the authorization code ({exc.error})") from None
        except (httpx2.HTTPError, ValueError) as exc:
            raise IssuerUnavailable(f"the identity provider's token endpoint failed ({type(exc).__name__})") from None
        if not isinstance(token.get("id_token"), str):
            raise IssuerUnavailable("the identity provider answered without an ID token (is 'openid' allowed?)")
        return dict(token)

    async def verify(self, provider: Provider, token: dict[str, Any], client_id: str, nonce: str) -> Identity:
        """The ID token of ``token``, verified (see the module docstring), as the identity it proves."""
        registry = JWSRegistry(algorithms=list(provider.algorithms))
        try:
            try:
                decoded = jwt.decode(token["id_token"], await self._key_set(provider, fresh=False), registry=registry)
            except InvalidKeyIdError:  # the issuer may have rotated its keys since they were cached
                decoded = jwt.decode(token["id_token"], await self._key_set(provider, fresh=True), registry=registry)
            options = {
                "iss": {"essential": True, "value": provider.issuer},
                "aud": {"essential": True, "value": client_id},
                "nonce": {"essential": True},
            }
            params = {"nonce": nonce, "client_id": client_id, "access_token": token.get("access_token")}
            claims = CodeIDToken(decoded.claims, decoded.header, options, params)
            claims.validate(leeway=LEEWAY_S)
        except (BadSignatureError, InvalidKeyIdError):
            raise SsoRefused("the ID token's signature does not verify with the issuer's published keys") from None
        except ExpiredTokenError:
            raise SsoRefused("the ID token has expired") from None
        except MissingClaimError as exc:
            raise SsoRefused(f"the ID token has no '{exc.claim}' claim") from None
        except ClaimError as exc:
            raise SsoRefused(_REASONS.get(exc.claim, f"the ID token's '{exc.claim}' claim is not valid")) from None
        except JoseError as exc:
            raise SsoRefused(f"the ID token is not a valid signed token ({exc.error})") from None
        return Identity(issuer=provider.issuer, subject=str(claims["sub"]), claims=dict(claims))
