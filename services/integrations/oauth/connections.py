"""OAuth2 connections (authorization code + PKCE) through Authlib's httpx2 client, and the token manager.

Tokens live only in the vault. Refreshing is owned here, not by Authlib (whose lock is per client instance): a
refresh takes a row lock on the connection (``SELECT … FOR UPDATE``), re-reads the tokens after getting it, and
only refreshes if they are still stale, so concurrent refreshers in any number of processes make one token call.
The refresh commits in its own short transaction, before the new access token is used, so a rotated refresh token
is never lost to a later rollback of the tool call that needed it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, SecretStr, TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from libs.platform.runtime import ServiceRuntime
from services.integrations.errors import ConnectError
from services.integrations.manifest import Manifest, OAuth2Settings
from services.integrations.oauth.rate_limits import RateLimitGate
from services.integrations.repository import ConnectionRepository, OAuthState, OAuthStateRepository
from services.integrations.tools.catalog import revoke
from services.integrations.vault import Vault

HTTP_TIMEOUT = httpx2.Timeout(10.0)


class OAuthClientConfig(BaseModel):
    """This deployment's OAuth app at one provider; ``endpoints`` overrides manifest URLs (sandboxes, tests)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    client_id: str
    client_secret: SecretStr
    authorize_url: str | None = None
    token_url: str | None = None
    api_base_url: str | None = None
    revocation_url: str | None = None


_CLIENTS = TypeAdapter(dict[str, OAuthClientConfig])


def parse_oauth_clients(raw: str) -> dict[str, OAuthClientConfig]:
    try:
        return _CLIENTS.validate_json(raw or "{}")
    except ValueError:
        # The validation message could quote a client secret; say only where the problem is.
        raise ValueError(
            'DESKPILOT_OAUTH_CLIENTS must be JSON like {"hubspot": {"client_id": …, "client_secret": …}}'
        ) from None


class TransientTokenError(Exception):
    """The provider could not refresh now (network, 5xx, 429); the connection stays as it is."""


class ConnectionRevokedError(Exception):
    """The connection is revoked (now or earlier); its tools are withdrawn."""


class _GrantRevoked(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class OAuthConnections:
    """Everything OAuth connections need: the vault, this deployment's OAuth apps, where callbacks arrive."""

    runtime: ServiceRuntime
    vault: Vault
    clients: dict[str, OAuthClientConfig]
    redirect_url: str
    state_ttl: timedelta
    rate_limits: RateLimitGate = field(default_factory=RateLimitGate)  # for the API calls made with the tokens

    def __repr__(self) -> str:
        return f"OAuthConnections(clients={sorted(self.clients)!r}, redirect_url={self.redirect_url!r})"

    # connecting -------------------------------------------------------------------------------------------------

    def _settings(self, manifest: Manifest) -> tuple[OAuth2Settings, OAuthClientConfig]:
        if manifest.auth.oauth2 is None:
            raise ConnectError(422, f"{manifest.name} does not connect through OAuth")
        client = self.clients.get(manifest.name)
        if client is None:
            raise ConnectError(409, f"no OAuth app is configured for {manifest.name} (DESKPILOT_OAUTH_CLIENTS)")
        return manifest.auth.oauth2, client

    def endpoints(self, manifest: Manifest, params: Mapping[str, str]) -> tuple[str, str, str]:
        """Authorize, token and API base URLs with the tenant's placeholder values filled in."""
        oauth, client = self._settings(manifest)
        urls = (
            client.authorize_url or oauth.authorize_url,
            client.token_url or oauth.token_url,
            client.api_base_url or oauth.api_base_url,
        )
        return tuple(u.format_map(dict(params)) for u in urls)  # type: ignore[return-value]

    def _client(self, manifest: Manifest, **kwargs: Any) -> AsyncOAuth2Client:
        oauth, client = self._settings(manifest)
        return AsyncOAuth2Client(
            client_id=client.client_id,
            client_secret=client.client_secret.get_secret_value(),
            token_endpoint_auth_method=oauth.token_endpoint_auth_method,
            scope=oauth.scope_separator.join(oauth.scopes),
            redirect_uri=self.redirect_url,
            code_challenge_method="S256" if oauth.pkce else None,
            timeout=HTTP_TIMEOUT,
            **kwargs,
        )

    async def start(
        self,
        session: AsyncSession,
        tenant_id: str,
        manifest: Manifest,
        params: dict[str, str],
        user_id: str | None,
    ) -> tuple[str, datetime]:
        """The provider URL to send the tenant's admin to; the state is bound to tenant, user and integration."""
        oauth, _ = self._settings(manifest)
        missing = sorted(set(oauth.params) - set(params))
        extra = sorted(set(params) - set(oauth.params))
        if missing or extra:
            raise ConnectError(422, f"{manifest.name} needs params {oauth.params} (missing {missing}, unknown {extra})")
        for name, value in params.items():
            if not re.fullmatch(oauth.param_pattern, value):
                raise ConnectError(422, f"param {name!r} must match {oauth.param_pattern}")
        state = secrets.token_urlsafe(32)
        digest = hashlib.sha256(state.encode()).hexdigest()
        expires_at = datetime.now(UTC) + self.state_ttl
        await OAuthStateRepository(session).insert(
            OAuthState(
                state_sha256=digest,
                tenant_id=tenant_id,
                integration=manifest.name,
                user_id=user_id,
                params=params,
                expires_at=expires_at,
            )
        )
        verifier = secrets.token_urlsafe(64) if oauth.pkce else None
        if verifier:
            await self.vault.put(session, tenant_id, f"oauth-pkce:{digest}", verifier)
        authorize_url, _, _ = self.endpoints(manifest, params)
        async with self._client(manifest) as client:
            url, _ = client.create_authorization_url(authorize_url, state=state, code_verifier=verifier)
        return str(url), expires_at

    async def take_state(self, session: AsyncSession, state: str) -> PendingAuthorization | None:
        """Consume a state (usable once); its tenant is the one that started the connection. None for a state
        that is unknown, used or expired."""
        digest = hashlib.sha256(state.encode()).hexdigest()
        pending = await OAuthStateRepository(session).take(digest)
        if pending is None or pending.expires_at <= datetime.now(UTC):
            return None
        verifier = await self.vault.get(session, pending.tenant_id, f"oauth-pkce:{digest}")
        await self.vault.delete(session, pending.tenant_id, f"oauth-pkce:{digest}")
        return PendingAuthorization(
            tenant_id=pending.tenant_id,
            integration=pending.integration,
            user_id=pending.user_id,
            params=pending.params,
            code_verifier=verifier,
        )

    def verify_callback(self, manifest: Manifest, pending: PendingAuthorization, query: Mapping[str, str]) -> None:
        """Check the provider's signature on its redirect (where the manifest names one) and that it comes back
        for the account the tenant asked to connect; fails closed."""
        oauth, client = self._settings(manifest)
        if oauth.callback_signature == "shopify_hmac":
            signed = shopify_signed_message(query)
            secret = client.client_secret.get_secret_value().encode()
            digest = hmac.new(secret, signed.encode(), hashlib.sha256).hexdigest()
            if not hmac.compare_digest(digest.encode(), query.get("hmac", "").lower().encode()):
                raise ConnectError(400, f"{manifest.title} callback signature is invalid; start connecting again")
        if oauth.callback_host_param is not None:
            # The manifest's own URL, not a deployment override: the provider names the real account host.
            host = urlsplit(oauth.authorize_url.format_map(dict(pending.params))).hostname
            given = query.get(oauth.callback_host_param)
            if given != host:
                raise ConnectError(400, f"{manifest.title} answered for another account ({given!r:.80})")

    async def exchange(self, manifest: Manifest, pending: PendingAuthorization, code: str) -> dict[str, Any]:
        """Trade the authorization code for tokens (no database work: runs between two transactions)."""
        _, token_url, _ = self.endpoints(manifest, pending.params)
        oauth, _ = self._settings(manifest)
        extra = dict(oauth.token_params)
        if pending.code_verifier:
            extra["code_verifier"] = pending.code_verifier.get_secret_value()

        def classify(resp: httpx2.Response) -> httpx2.Response:
            # Providers such as HubSpot answer with {"status": "BAD_AUTH_CODE", …} rather than RFC 6749 errors.
            if resp.status_code >= 400:
                try:
                    body = resp.json()
                except ValueError:
                    body = None
                if isinstance(body, dict) and "error" not in body:
                    code_ = body.get("status", resp.status_code)
                    raise ConnectError(502 if resp.status_code >= 500 else 400, f"{manifest.name} refused ({code_})")
            return resp

        try:
            async with self._client(manifest) as client:
                client.register_compliance_hook("access_token_response", classify)
                token = await client.fetch_token(token_url, grant_type="authorization_code", code=code, **extra)
        except OAuthError as exc:
            raise ConnectError(400, f"{manifest.name} refused the authorization code ({exc.error})") from None
        except httpx2.HTTPError as exc:
            raise ConnectError(502, f"{manifest.name} token endpoint failed: {type(exc).__name__}") from None
        if not token.get("access_token"):
            raise ConnectError(502, f"{manifest.name} token endpoint answered without an access token")
        return dict(token)

    async def complete(
        self,
        session: AsyncSession,
        manifest: Manifest,
        pending: PendingAuthorization,
        token: dict[str, Any],
    ) -> list[str]:
        """Store the tokens and mark the connection active; returns the granted scopes."""
        oauth, _ = self._settings(manifest)
        record = _token_record(token, oauth, None)
        await self.vault.put(session, pending.tenant_id, token_purpose(manifest.name), json.dumps(record))
        granted = token.get("scope")
        scopes = [s for s in str(granted).replace(",", " ").split() if s] if granted else list(oauth.scopes)
        await ConnectionRepository(session).upsert_oauth(
            pending.tenant_id,
            manifest.name,
            scopes=scopes,
            params=pending.params,
            connected_by=pending.user_id,
            access_expires_at=datetime.fromtimestamp(record["expires_at"], UTC),
        )
        return scopes

    # tokens -----------------------------------------------------------------------------------------------------

    async def access_token(
        self, session: AsyncSession, tenant_id: str, manifest: Manifest, *, stale: str | None = None
    ) -> str:
        """A usable access token, refreshed ahead of expiry exactly once across processes.

        ``stale`` is a token the provider just rejected with 401: refresh unless someone already replaced it.
        """
        oauth, _ = self._settings(manifest)
        if stale is None:
            record = await self._tokens(session, tenant_id, manifest.name)
            if record is not None and _fresh(record, oauth):
                return str(record["access_token"])
        revoked: str | None = None
        async with self.runtime.unit_of_work() as uow:
            connections = ConnectionRepository(uow.session)
            connection = await connections.get(tenant_id, manifest.name, for_update=True)
            if connection is None or not connection.active:
                raise ConnectionRevokedError(f"{manifest.name} is not connected")
            record = await self._tokens(uow.session, tenant_id, manifest.name)
            if record is None:
                raise ConnectionRevokedError(f"{manifest.name} has no stored tokens")
            still_stale = record["access_token"] == stale if stale is not None else not _fresh(record, oauth)
            if not still_stale:
                return str(record["access_token"])
            try:
                token = await self._refresh(manifest, connection.params, record["refresh_token"])
            except _GrantRevoked as exc:
                revoked = exc.reason
                await revoke(uow, tenant_id, manifest.name, exc.reason)
            else:
                new = _token_record(token, oauth, record["refresh_token"])
                await self.vault.put(uow.session, tenant_id, token_purpose(manifest.name), json.dumps(new))
                await connections.token_refreshed(
                    tenant_id, manifest.name, datetime.fromtimestamp(new["expires_at"], UTC)
                )
                return str(new["access_token"])
        raise ConnectionRevokedError(f"{manifest.name} access was revoked ({revoked})")

    async def revoke_after_rejection(self, tenant_id: str, manifest: Manifest, reason: str) -> None:
        async with self.runtime.unit_of_work() as uow:
            await revoke(uow, tenant_id, manifest.name, reason)

    async def revoke_at_provider(self, tenant_id: str, manifest: Manifest, params: Mapping[str, str]) -> str | None:
        """Ask the provider to revoke our grant (the tenant disconnects): None when done or nothing to do, else
        why it could not be done, for the tenant to finish by hand. Never raises; the token is never logged."""
        try:
            oauth, client = self._settings(manifest)
        except ConnectError as exc:
            return exc.message
        revocation = oauth.revocation
        if revocation is None:
            return None
        try:
            async with self.runtime.db.session() as session:  # closed before the call out
                if revocation.token == "access_token":  # noqa: S105  (a current one: an expired one revokes nothing)
                    token = await self.access_token(session, tenant_id, manifest)
                else:
                    stored = await self._tokens(session, tenant_id, manifest.name) or {}
                    token = str(stored.get("refresh_token") or "")
        except ConnectionRevokedError:
            return None  # the provider already refuses our grant: nothing left to revoke
        except TransientTokenError as exc:
            return f"no current {manifest.title} token to revoke access with ({exc})"
        if not token:
            return None
        values = dict(params)
        if revocation.send_as == "path":
            values["token"] = quote(token, safe="")
        headers: dict[str, str] = {}
        form: dict[str, str] | None = None
        if revocation.send_as == "header":
            headers[revocation.header] = revocation.prefix + token
        elif revocation.send_as == "form":
            secret = client.client_secret.get_secret_value()
            form = {"token": token, "token_type_hint": revocation.token, "client_id": client.client_id,
                    "client_secret": secret}  # fmt: skip
        try:
            url = (client.revocation_url or revocation.url).format_map(values)
            request = httpx2.Request(
                revocation.method, url, headers=headers, data=form, extensions={"timeout": HTTP_TIMEOUT.as_dict()}
            )
            # The transport itself, not a client: clients log every URL at INFO, and this one may hold the token.
            async with httpx2.AsyncHTTPTransport() as transport:
                response = await transport.handle_async_request(request)
                await response.aread()
        except (httpx2.HTTPError, KeyError) as exc:
            return f"{manifest.title} could not be reached to revoke access ({type(exc).__name__})"
        # 404: the provider no longer knows this (current) token, so there is nothing left to revoke.
        if response.status_code < 300 or response.status_code == 404:
            return None
        return f"{manifest.title} answered {response.status_code} when asked to revoke access"

    async def _tokens(self, session: AsyncSession, tenant_id: str, integration: str) -> dict[str, Any] | None:
        secret = await self.vault.get(session, tenant_id, token_purpose(integration))
        return None if secret is None else dict(json.loads(secret.get_secret_value()))

    async def _refresh(self, manifest: Manifest, params: Mapping[str, str], refresh_token: str | None) -> Any:
        oauth, _ = self._settings(manifest)
        if not refresh_token:
            raise _GrantRevoked("the access token expired and the provider gave no refresh token")
        _, token_url, _ = self.endpoints(manifest, params)

        def classify(resp: httpx2.Response) -> httpx2.Response:
            if resp.status_code == 429 or resp.status_code >= 500:
                raise TransientTokenError(f"{manifest.name} token endpoint answered {resp.status_code}")
            if 400 <= resp.status_code < 500:
                try:
                    body = resp.json()
                except ValueError:
                    body = None
                if isinstance(body, dict) and "error" not in body and body.get("status") in oauth.revoked_statuses:
                    raise _GrantRevoked(f"{body['status']} from the token endpoint")
            return resp

        try:
            async with self._client(manifest) as client:
                client.register_compliance_hook("refresh_token_response", classify)
                token = await client.refresh_token(token_url, refresh_token=refresh_token)
        except OAuthError as exc:
            if exc.error == "invalid_grant":
                raise _GrantRevoked("invalid_grant from the token endpoint") from None
            raise TransientTokenError(f"{manifest.name} token endpoint refused: {exc.error}") from None
        except httpx2.HTTPError as exc:
            raise TransientTokenError(f"{manifest.name} token endpoint unreachable: {type(exc).__name__}") from None
        if not token.get("access_token"):
            raise TransientTokenError(f"{manifest.name} token endpoint answered without an access token")
        return token

    def api_client(self, manifest: Manifest, params: Mapping[str, str], access_token: str) -> AsyncOAuth2Client:
        """An Authlib client that sends ``access_token``; no ``token_endpoint``, so refreshing stays ours."""
        _, _, base = self.endpoints(manifest, params)
        _, client = self._settings(manifest)
        return AsyncOAuth2Client(
            client_id=client.client_id,
            token={"access_token": access_token, "token_type": "Bearer"},
            base_url=base,
            timeout=HTTP_TIMEOUT,
        )


@dataclass(frozen=True)
class PendingAuthorization:
    tenant_id: str
    integration: str
    user_id: str | None
    params: dict[str, str]
    code_verifier: SecretStr | None


def shopify_signed_message(query: Mapping[str, str]) -> str:
    """What Shopify signs in its redirect: every parameter but ``hmac`` (and ``signature``) as ``k=v`` with the
    delimiters escaped (``%`` → ``%25``, ``=`` in keys → ``%3D``, ``&`` → ``%26``), sorted, joined by ``&``."""
    pairs = (
        f"{k.replace('%', '%25').replace('=', '%3D')}={v.replace('%', '%25')}".replace("&", "%26")
        for k, v in query.items()
        if k not in ("hmac", "signature")
    )
    return "&".join(sorted(pairs))


def token_purpose(integration: str) -> str:
    return f"oauth:{integration}:tokens"


def _token_record(token: Mapping[str, Any], oauth: OAuth2Settings, previous_refresh: str | None) -> dict[str, Any]:
    expires_in = int(token.get("expires_in") or oauth.default_expires_in)
    return {
        "access_token": token["access_token"],
        # A provider that rotates refresh tokens sends a new one; one that does not keeps the old one valid.
        "refresh_token": token.get("refresh_token") or previous_refresh,
        "token_type": token.get("token_type", "Bearer"),
        "expires_at": int(time.time()) + expires_in,
    }


def _fresh(record: Mapping[str, Any], oauth: OAuth2Settings) -> bool:
    return bool(int(record["expires_at"]) - oauth.refresh_ahead_seconds > time.time())
