"""The one public-destination rule (``libs.platform.destinations``): which addresses are public, connections pinned to
the checked address (a second DNS answer cannot differ), redirects checked hop by hop, and the crawler and the MCP
registration refusing exactly the same hosts."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest

from libs.platform.destinations import DestinationRefused, Destinations, get_following, is_public
from services.integrations.mcp.policy import McpError, McpPolicy, McpServerRegistration, validate_registration
from services.knowledge.crawler import CrawlRefused, check_crawlable

PUBLIC = "93.184.215.14"
NOT_PUBLIC = [
    "100.100.100.200",  # Alibaba Cloud's metadata service, in the shared 100.64.0.0/10
    "100.64.0.1",
    "169.254.169.254",
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "0.0.0.0",
    "224.0.0.251",
    "233.252.0.1",  # multicast that ipaddress calls global
    "::1",
    "fe80::1",
    "fc00::1",
    "ff0e::1",
    "::ffff:127.0.0.1",
    "64:ff9b::6464:64c8",  # NAT64 of 100.100.100.200
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
]


def table(answers: dict[str, list[str]]) -> Any:
    async def resolve(host: str, _port: int) -> list[str]:
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    return resolve


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_private_shared_and_multicast_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2001:4860:4860::8888", "64:ff9b::808:808"])
def test_global_unicast_addresses_are_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


async def test_a_name_resolving_to_a_metadata_address_is_refused() -> None:
    rule = Destinations(resolve=table({"meta.example": ["100.100.100.200"], "mixed.example": [PUBLIC, "10.0.0.1"]}))
    for host in ("meta.example", "mixed.example"):  # one non-public answer among public ones is enough
        with pytest.raises(DestinationRefused, match="private address"):
            await rule.check_url(f"https://{host}/")
    with pytest.raises(DestinationRefused, match="cannot resolve") as unknown:
        await rule.check_url("https://nowhere.example/")
    assert unknown.value.unresolvable
    with pytest.raises(DestinationRefused, match="http"):
        await rule.check_url("file:///etc/passwd")
    allowed = Destinations(allow_private=True, resolve=table({"meta.example": ["100.100.100.200"]}))
    assert await allowed.addresses("meta.example", 80) == ["100.100.100.200"]


@contextmanager
def local_server() -> Iterator[tuple[int, list[str]]]:
    """A server on 127.0.0.1 that answers 200 and records each request's Host header."""
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hosts.append(self.headers.get("host", ""))
            self.send_response(200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *_args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hosts
    finally:
        server.shutdown()
        server.server_close()


async def test_connections_go_to_the_checked_address_under_the_requested_name() -> None:
    # ``pinned.test`` exists only in the rule's resolver: the client reached the server through it, not DNS.
    with local_server() as (port, hosts):
        rule = Destinations(allow_private=True, resolve=table({"pinned.test": ["127.0.0.1"]}))
        async with rule.client() as client:
            response = await client.get(f"http://pinned.test:{port}/")
        assert (response.status_code, hosts) == (200, [f"pinned.test:{port}"])


async def test_a_second_dns_answer_that_differs_is_not_connected_to() -> None:
    answers = iter([[PUBLIC], ["127.0.0.1"]])  # checked as public, then rebound to loopback for the connection

    async def rebinding(_host: str, _port: int) -> list[str]:
        return next(answers)

    with local_server() as (port, hosts):
        rule = Destinations(resolve=rebinding)
        await rule.check_url(f"http://rebind.test:{port}/")
        async with rule.client() as client:
            with pytest.raises(httpx2.ConnectError, match="private address"):
                await client.get(f"http://rebind.test:{port}/")
        assert hosts == []


async def test_each_redirect_hop_is_checked_before_it_is_fetched() -> None:
    fetched: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        fetched.append(str(request.url))
        if request.url.host == "loop.example":
            return httpx2.Response(302, headers={"location": "/again"})
        return httpx2.Response(302, headers={"location": "http://meta.example/latest/meta-data/"})

    rule = Destinations(
        resolve=table({"site.example": [PUBLIC], "loop.example": [PUBLIC], "meta.example": ["100.100.100.200"]})
    )
    async with httpx2.AsyncClient(transport=httpx2.MockTransport(answer)) as client:
        with pytest.raises(DestinationRefused, match=r"meta\.example resolves to a private address"):
            await get_following(client, "https://site.example/", rule)
        assert fetched == ["https://site.example/"]
        with pytest.raises(DestinationRefused, match="more than 3 redirects"):
            await get_following(client, "https://loop.example/", rule, max_hops=3)
        assert len(fetched) == 1 + 4


@pytest.mark.parametrize("address", [*NOT_PUBLIC[:8], PUBLIC])
async def test_the_crawler_and_mcp_registration_refuse_the_same_hosts(address: str) -> None:
    url = f"http://{address}/mcp"
    crawler_refuses = mcp_refuses = False
    try:
        await check_crawlable(url, Destinations())
    except CrawlRefused:
        crawler_refuses = True
    try:
        registration = McpServerRegistration(name="remote", transport="http", url=url)
        await validate_registration(registration, McpPolicy(frozenset(), allow_private=False, timeout=5))
    except McpError as refused:
        mcp_refuses = refused.status == 403
    assert crawler_refuses == mcp_refuses == (address != PUBLIC)
