"""The web front end's client of the platform's public API: plain HTTP calls with a Bearer key, nothing private.

Every page is built from what these calls return; a refusal keeps the API's own status and message, so that a
page can show it (or the web layer can turn a 401 into "sign in again").
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx2

JSON = Any


class ApiError(Exception):
    """The API refused a call: its HTTP status, its error code and its message."""

    def __init__(self, status: int, code: str, detail: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.errors = errors or []  # a problem document's per-field errors: {"field", "message"}
        # What a page shows: the detail, and each field's own message where the API gave them.
        said = "; ".join(f"{e.get('field', '')}: {e.get('message', '')}" for e in self.errors if e.get("message"))
        self.detail = f"{detail} ({said})" if said else detail


def _error(response: httpx2.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        return ApiError(response.status_code, str(body.get("code", "error")), str(body.get("detail", "")), errors)
    return ApiError(response.status_code, "error", response.text[:500])


# The public API's path prefixes and the service that answers each (as documented in docs/architecture.md).
PREFIXES = {
    "/v1/conversations": "conversation",
    "/v1/conversation/": "conversation",
    "/v1/agent": "agent",
    "/v1/integrations": "integrations",
    "/v1/knowledge": "knowledge",
    "/v1/tickets": "ticketing",
    "/v1/ticketing/": "ticketing",
    "/v1/billing": "billing",
}


def service_of(path: str) -> str | None:
    for prefix, service in PREFIXES.items():
        base = prefix.rstrip("/")
        if path == base or path.startswith((base + "/", base + "?")):
            return service
    return None


class PublicApi:
    """Calls to ``base_url`` (the gateway of ``deskpilot up``, nginx in compose), or to each service's own URL
    where ``service_urls`` names one (Kubernetes, where the Ingress is outside the cluster's own traffic)."""

    def __init__(self, base_url: str, timeout: float, service_urls: Mapping[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.service_urls = {name: url.rstrip("/") for name, url in (service_urls or {}).items()}
        self._client = httpx2.AsyncClient(timeout=httpx2.Timeout(timeout, connect=5.0))

    def url(self, path: str) -> str:
        service = service_of(path)
        return (self.service_urls.get(service, self.base_url) if service else self.base_url) + path

    async def close(self) -> None:
        await self._client.aclose()

    @staticmethod
    def _headers(key: str | None, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        headers.update(extra or {})
        return headers

    async def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = None,
        json_body: JSON = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        content: bytes | None = None,
    ) -> httpx2.Response:
        """The raw response of a successful call; :class:`ApiError` for any 4xx/5xx."""
        clean = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        try:
            response = await self._client.request(
                method,
                self.url(path),
                headers=self._headers(key, headers),
                json=json_body,
                params=clean or None,
                files=dict(files) if files else None,
                content=content,
            )
        except httpx2.TransportError as exc:
            raise ApiError(503, "unavailable", f"the API at {self.base_url} is not reachable") from exc
        if response.status_code >= 400:
            raise _error(response)
        return response

    async def call(self, method: str, path: str, **kwargs: Any) -> JSON:
        """A call's JSON body (None for an empty one)."""
        response = await self.request(method, path, **kwargs)
        if not response.content:
            return None
        return response.json()

    async def get(self, path: str, **kwargs: Any) -> JSON:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> JSON:
        return await self.call("POST", path, **kwargs)

    @asynccontextmanager
    async def events(self, path: str, *, key: str) -> AsyncIterator[AsyncIterator[tuple[str, JSON]]]:
        """A server-sent-event stream of the API, as ``(event name, decoded data)`` pairs; no read timeout."""
        headers = {**self._headers(key), "Accept": "text/event-stream"}
        timeout = httpx2.Timeout(None, connect=5.0)
        async with self._client.stream("GET", self.url(path), headers=headers, timeout=timeout) as response:
            if response.status_code >= 400:
                await response.aread()
                raise _error(response)

            async def parsed() -> AsyncIterator[tuple[str, JSON]]:
                name, data = "message", ""
                async for line in response.aiter_lines():
                    if line.startswith(":"):
                        yield "comment", None
                    elif line.startswith("event:"):
                        name = line.removeprefix("event:").strip()
                    elif line.startswith("data:"):
                        data += line.removeprefix("data:").strip()
                    elif not line and data:
                        yield name, json.loads(data)
                        name, data = "message", ""

            yield parsed()
