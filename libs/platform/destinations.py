"""The one rule for where the platform may send a request a tenant chose (a site to crawl, an MCP server): a public
destination (server-side request forgery).

A host is allowed when every address it resolves to is public (:func:`is_public`), unless the operator allows private
destinations (tests with local fakes, intranets). Checking a name and then letting the HTTP client resolve it again
is not enough: the second answer may differ (DNS rebinding), and a redirect may point anywhere. So a client made by
:meth:`Destinations.client` resolves each host once per connection, checks those addresses, and connects to one of
them (Host header, SNI and the certificate check keep the name); it never follows redirects itself, and
:func:`get_following` follows them one checked hop at a time, up to a limit.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore2
import httpx2

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""The addresses a host name resolves to (``getaddrinfo``); tests give a table instead of DNS."""

MAX_HOPS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_6TO4 = ipaddress.ip_network("2002::/16")


class DestinationRefused(Exception):
    """The platform will not send this request: ``reason`` says why (safe to show the tenant); ``unresolvable`` when
    the host has no address (the tenant's mistake, not the operator's policy)."""

    def __init__(self, reason: str, *, unresolvable: bool = False) -> None:
        super().__init__(reason)
        self.reason, self.unresolvable = reason, unresolvable


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast: not private, loopback, link-local, shared (100.64.0.0/10, where cloud metadata
    services live), reserved or multicast; an IPv6 address that carries an IPv4 one (mapped, NAT64, 6to4) is
    judged by that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address in _6TO4 and address.sixtofour is not None:
            return is_public(address.sixtofour)
    return address.is_global and not address.is_multicast


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Destinations:
    """The rule as the operator configured it: ``allow_private`` lets every resolved address through (still pinned:
    the connection goes to the address that was resolved); ``allow_loopback`` only this machine's own addresses
    (single sign-on's local issuers)."""

    allow_private: bool = False
    allow_loopback: bool = False
    resolve: Resolver = field(default=system_resolve)

    async def addresses(self, host: str, port: int) -> list[str]:
        """The addresses to connect to for ``host``; :class:`DestinationRefused` if it does not resolve or, unless
        private destinations are allowed, if any of its addresses is not public."""
        host = host.strip("[]")
        try:
            found = list(dict.fromkeys(await self.resolve(host, port)))
        except (OSError, UnicodeError):
            found = []
        if not found:
            raise DestinationRefused(f"cannot resolve {host}", unresolvable=True)
        if not self.allow_private and not all(self._allowed(ipaddress.ip_address(a.split("%")[0])) for a in found):
            raise DestinationRefused(f"{host} resolves to a private address, which is not allowed")
        return found

    def _allowed(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return is_public(address) or (self.allow_loopback and address.is_loopback)

    async def check_url(self, url: str) -> None:
        """An http(s) URL with a host whose addresses pass :meth:`addresses`."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DestinationRefused("only http(s) URLs with a host can be fetched")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise DestinationRefused("the URL's port is not a number from 0 to 65535") from None
        await self.addresses(parts.hostname, port)

    def transport(self) -> httpx2.AsyncHTTPTransport:
        """An HTTP transport whose every connection goes to an address this rule checked (no proxy from the
        environment: a proxy would resolve the name itself)."""
        transport = httpx2.AsyncHTTPTransport(trust_env=False)
        pool = transport._pool
        assert isinstance(pool, httpcore2.AsyncConnectionPool)
        pool._network_backend = _PinnedBackend(self, pool._network_backend)
        return transport

    def client(self, **options: Any) -> httpx2.AsyncClient:
        """An ``AsyncClient`` on :meth:`transport` that does not follow redirects (use :func:`get_following`)."""
        return httpx2.AsyncClient(transport=self.transport(), trust_env=False, follow_redirects=False, **options)


class _PinnedBackend(httpcore2.AsyncNetworkBackend):
    """Resolves and checks the host of each new connection, then connects to one of the checked addresses."""

    def __init__(self, rule: Destinations, inner: httpcore2.AsyncNetworkBackend) -> None:
        self._rule, self._inner = rule, inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        try:
            addresses = await self._rule.addresses(host, port)
        except DestinationRefused as refused:
            raise httpcore2.ConnectError(refused.reason) from refused
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,  # noqa: ARG002 - the interface's
        timeout: float | None = None,  # noqa: ARG002
        socket_options: Iterable[Any] | None = None,  # noqa: ARG002
    ) -> httpcore2.AsyncNetworkStream:
        raise httpcore2.ConnectError("unix sockets are not destinations")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def get_following(
    client: httpx2.AsyncClient, url: str, rule: Destinations, *, max_hops: int = MAX_HOPS
) -> httpx2.Response:
    """GET ``url``, following up to ``max_hops`` redirects, each hop's URL checked by ``rule`` before it is fetched
    (:class:`DestinationRefused` if one is not allowed, or there are more hops than that)."""
    for _ in range(max_hops + 1):
        await rule.check_url(url)
        response = await client.get(url)
        location = response.headers.get("location")
        if response.status_code not in _REDIRECTS or not location:
            return response
        await response.aclose()
        url = urljoin(str(response.url), location)
    raise DestinationRefused(f"more than {max_hops} redirects")
