"""Calls to a connected provider's API with its OAuth token: one place for refresh-on-401, revocation and the
provider's rate limits.

A 401 gets one forced token refresh and a retry; a 401 right after that means the grant is dead, so the connection
is revoked (``integration.revoked``, tools withdrawn). Token and network problems become typed tool failures.
Rate limits follow the manifest's ``rate_limit`` (see ``RateLimitSettings``): while a tenant's connection is told
to wait, its calls fail as ``transient`` without being sent.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
from sqlalchemy.ext.asyncio import AsyncSession

from services.integrations.errors import ToolError, lost_in_transit, unsent
from services.integrations.manifest import Manifest
from services.integrations.oauth.connections import ConnectionRevokedError, OAuthConnections, TransientTokenError


def _slow_down(manifest: Manifest, wait: float) -> ToolError:
    return ToolError(
        "transient", f"{manifest.title} asked us to slow down; try again in {math.ceil(wait)} s (nothing was sent)"
    )


async def with_token(
    oauth: OAuthConnections,
    session: AsyncSession,
    tenant_id: str,
    manifest: Manifest,
    send: Callable[[str], Awaitable[httpx2.Response]],
    *,
    repeatable: bool,
    before_send: Callable[[], Awaitable[None]] | None = None,
) -> httpx2.Response:
    """``send(token)`` with the connection's access token, refreshing once on a 401 and honouring the provider's
    rate limits (see the module doc). ``repeatable``: sending it twice does no harm (a read), so a short wait
    for a rate limit is waited out in line once."""
    gate = oauth.rate_limits
    if (left := gate.wait_left(tenant_id, manifest.name)) > 0:
        raise _slow_down(manifest, left)
    try:
        token = await oauth.access_token(session, tenant_id, manifest)
        if before_send is not None:
            await before_send()
        refreshed = waited = False
        while True:
            response = await send(token)
            wait = gate.observe(tenant_id, manifest, response)
            if wait is not None:
                if repeatable and not waited and wait <= manifest.rate_limit.max_inline_wait_seconds:
                    waited = True
                    await asyncio.sleep(wait)
                    continue
                raise ToolError(
                    "transient", f"{manifest.title} is rate limiting us (HTTP {response.status_code}); "
                    f"try again in {math.ceil(wait)} s",
                )  # fmt: skip
            if response.status_code != 401:
                return response
            if refreshed:
                break
            refreshed = True
            token = await oauth.access_token(session, tenant_id, manifest, stale=token)
        await oauth.revoke_after_rejection(tenant_id, manifest, "the API rejected a freshly refreshed token (401)")
        raise ToolError("unauthorized", f"{manifest.title} access was revoked; an admin must reconnect it")
    except ConnectionRevokedError:
        raise ToolError("unauthorized", f"{manifest.title} is not connected; an admin must reconnect it") from None
    except TransientTokenError as exc:
        raise ToolError("transient", str(exc)) from None
    except httpx2.HTTPError as exc:
        raise lost_in_transit(manifest.title, type(exc).__name__, sent=not unsent(exc), repeatable=repeatable) from None


async def call_api(
    oauth: OAuthConnections,
    session: AsyncSession,
    tenant_id: str,
    manifest: Manifest,
    conn_params: dict[str, str],
    method: str,
    path: str,
    *,
    before_send: Callable[[], Awaitable[None]] | None = None,
    **kwargs: Any,
) -> httpx2.Response:
    """One REST request through the manifest's API client (base URL and bearer token); a GET is repeatable."""

    async def send(token: str) -> httpx2.Response:
        async with oauth.api_client(manifest, conn_params, token) as client:
            response: httpx2.Response = await client.request(method, path, **kwargs)
        return response

    return await with_token(
        oauth, session, tenant_id, manifest, send, repeatable=method == "GET", before_send=before_send
    )
