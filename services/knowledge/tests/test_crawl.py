"""Crawling a small website served locally: robots.txt, sitemap, same-host links, depth limit, dedupe by content
hash, progress (status API and crawl.progressed events), and re-crawls that re-index only what changed."""

from __future__ import annotations

import uuid
from typing import Any, cast

import httpx2
import pytest

from libs.events import EventLog
from libs.events.catalog.knowledge import CrawlProgressed
from libs.platform.destinations import Destinations
from libs.platform.row_security import tenant_scope
from services.knowledge.crawler import Crawler, CrawlJob, CrawlRefused, check_crawlable
from services.knowledge.repository import KnowledgeRepository
from services.knowledge.tests.conftest import Service
from services.knowledge.tests.local_http import serve, site
from tests.support import eventually, outbox_events, provision_tenant


def page(title: str, text: str, links: tuple[str, ...] = ()) -> str:
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return (
        f"<html><head><title>{title}</title></head><body><nav>Menu {anchors}</nav>"
        f"<main><h1>{title}</h1><p>{text}</p><p>{anchors}</p></main><footer>Footer text</footer></body></html>"
    )


def website(base: str) -> dict[str, Any]:
    return {
        "/robots.txt": f"User-agent: *\nDisallow: /private/\nSitemap: {base}/sitemap.xml\n",
        "/sitemap.xml": f'<?xml version="1.0"?><urlset><url><loc>{base}/orphan</loc></url></urlset>',
        "/": page(
            "Help center",
            "Welcome to the help center.",
            ("/a", "/b", "/a?ref=home", "/broken", "/private/secret", "http://example.invalid/elsewhere"),
        ),
        "/a": page("Returns", "Returns are accepted within thirty days.", ("/a/deep",)),
        "/a/deep": page("Return labels", "Print the return label from your account.", ("/a/deeper",)),
        "/a/deeper": page("Too deep", "Never reached with depth two."),
        "/b": page("Shipping", "Parcels ship within two days."),
        "/orphan": page("Gift wrapping", "Gift wrapping costs two euros."),
        "/private/secret": page("Secret", "Internal only."),
    }


async def _crawl(client: Any, headers: dict[str, str], url: str) -> dict[str, Any]:
    r = await client.post("/v1/knowledge/crawls", headers=headers, json={"url": url, "max_depth": 2, "max_pages": 50})
    assert r.status_code == 202, r.text
    crawl_id = r.json()["crawl_id"]

    async def finished() -> dict[str, Any] | None:
        status = (await client.get(f"/v1/knowledge/crawls/{crawl_id}", headers=headers)).json()
        return status if status["status"] in {"completed", "failed"} else None

    return await eventually(finished, what="the crawl to finish")


def counters(status: dict[str, Any]) -> tuple[int, ...]:
    keys = ("pages_found", "pages_fetched", "pages_indexed", "pages_unchanged", "pages_failed")
    return tuple(status[k] for k in keys)


async def test_crawl_then_recrawl_a_local_site(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    pages: dict[str, Any] = {}
    with serve(site(pages)) as server:
        pages.update(website(server.url))
        first = await _crawl(client, headers, f"{server.url}/")
        assert first["status"] == "completed", first
        # found: /, /orphan (sitemap), /a, /b, /a?ref=home, /broken, /a/deep; /a?ref=home has /a's content.
        assert counters(first) == (7, 6, 5, 1, 1)
        fetched = server.paths()
        assert "/private/secret" not in fetched  # robots.txt
        assert "/a/deeper" not in fetched  # depth limit
        assert fetched[0] == "/robots.txt"

        listed = (await client.get("/v1/knowledge/articles", headers=headers)).json()["items"]
        assert sorted(a["title"] for a in listed) == [
            "Gift wrapping",
            "Help center",
            "Return labels",
            "Returns",
            "Shipping",
        ]
        hits = (await client.get("/v1/knowledge/search", headers=headers, params={"q": "gift wrapping cost"})).json()
        best = hits["items"][0]
        assert (best["title"], best["url"]) == ("Gift wrapping", f"{server.url}/orphan#gift-wrapping")
        footer = await client.get("/v1/knowledge/search", headers=headers, params={"q": "footer", "mode": "fulltext"})
        assert footer.json()["items"] == []

        pages["/b"] = page("Shipping", "Parcels now ship the same day.")
        second = await _crawl(client, headers, f"{server.url}/")
        assert counters(second) == (7, 6, 1, 5, 1)

    shipping = next(a for a in listed if a["title"] == "Shipping")
    now = (await client.get(f"/v1/knowledge/articles/{shipping['article_id']}", headers=headers)).json()
    assert now["version"] == 2
    assert "same day" in now["body"]
    events = [e.payload for e in await outbox_events(runtime, "crawl.progressed") if e.tenant_id == tenant.tenant_id]
    assert all(isinstance(e, CrawlProgressed) for e in events)
    finals = [e for e in events if isinstance(e, CrawlProgressed) and e.status == "completed"]
    assert [(e.crawl_id, e.pages_indexed) for e in finals] == [(first["crawl_id"], 5), (second["crawl_id"], 1)]


async def test_crawl_status_is_per_tenant(knowledge: Service, event_log: EventLog) -> None:
    client, runtime = knowledge
    owner = await provision_tenant(event_log, runtime)
    other = await provision_tenant(event_log, runtime)
    pages: dict[str, Any] = {}
    with serve(site(pages)) as server:
        pages["/"] = page("Only page", "Just one page here.")
        status = await _crawl(client, {"Authorization": f"Bearer {owner.api_key}"}, server.url)
    assert status["pages_indexed"] == 1
    r = await client.get(
        f"/v1/knowledge/crawls/{status['crawl_id']}", headers={"Authorization": f"Bearer {other.api_key}"}
    )
    assert r.status_code == 404


async def test_private_and_non_http_targets_are_refused_by_default() -> None:
    # A tenant must not make the service fetch the operator's internal endpoints (the test service allows
    # loopback explicitly, with KNOWLEDGE_CRAWL_ALLOW_PRIVATE).
    urls = ("http://127.0.0.1:9/", "http://localhost/", "http://10.1.2.3/", "http://169.254.169.254/latest")
    for url in (*urls, "http://100.100.100.200/latest/meta-data/"):
        with pytest.raises(CrawlRefused, match="private"):
            await check_crawlable(url, Destinations())
    with pytest.raises(CrawlRefused, match="http"):
        await check_crawlable("file:///etc/passwd", Destinations(allow_private=True))
    await check_crawlable("http://127.0.0.1:9/", Destinations(allow_private=True))


@pytest.mark.parametrize(
    ("url", "why"),
    [("http://127.0.0.1:9/", "private address"), ("http://nowhere.invalid/", "cannot resolve nowhere.invalid")],
)
async def test_a_start_url_that_may_not_be_crawled_fails_the_crawl_before_any_fetch(
    knowledge: Service, event_log: EventLog, url: str, why: str
) -> None:
    """The API takes every URL its pattern allows (202); what the network answers is the crawl's outcome."""
    client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    crawl_id = f"crawl_{uuid.uuid4().hex}"
    fetched: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        fetched.append(str(request.url))
        return httpx2.Response(500)

    transport = httpx2.MockTransport(answer)
    crawler = Crawler(runtime.unit_of_work, cast(Any, None), transport=transport, allow_private=False)
    with tenant_scope(tenant.tenant_id):
        async with runtime.unit_of_work() as uow:
            row = {"root_url": url, "status": "queued", "max_depth": 1, "max_pages": 5}
            await KnowledgeRepository(uow.session).add_crawl(tenant_id=tenant.tenant_id, crawl_id=crawl_id, **row)
        crawler.start(CrawlJob(tenant.tenant_id, crawl_id, url, 1, 5))
        await crawler.wait(crawl_id)
    status = await client.get(f"/v1/knowledge/crawls/{crawl_id}", headers={"Authorization": f"Bearer {tenant.api_key}"})
    assert (status.json()["status"], fetched) == ("failed", [])
    assert why in status.json()["error"]


async def test_a_crawls_limits_are_json_integers(knowledge: Service, event_log: EventLog) -> None:
    """As the contract says: lax validation took ``false`` as 0 (ST201 in api_fuzz)."""
    client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    for limits in ({"max_depth": False}, {"max_pages": "5"}, {"max_depth": 1.5}):
        r = await client.post("/v1/knowledge/crawls", headers=auth, json={"url": "http://127.0.0.1:9/", **limits})
        assert r.status_code == 422, (limits, r.text)


RESOLVES = {"help.example": ["93.184.215.14"], "meta.example": ["100.100.100.200"]}


async def resolve(host: str, _port: int) -> list[str]:
    return RESOLVES.get(host) or [host]  # an address literal is its own answer


@pytest.mark.parametrize(
    "target",
    ["http://127.0.0.1:9/admin", "http://10.0.0.5/", "http://100.100.100.200/latest/", "http://meta.example/latest/"],
)
async def test_a_redirect_to_a_private_address_is_refused_at_that_hop(
    knowledge: Service, event_log: EventLog, target: str
) -> None:
    """The start URL is public; its page redirects to an internal address: that hop is refused, nothing is fetched
    from it, and the page counts as failed."""
    client, runtime = knowledge
    tenant = await provision_tenant(event_log, runtime)
    crawl_id = f"crawl_{uuid.uuid4().hex}"
    fetched: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        fetched.append(str(request.url))
        if request.url.path == "/":
            return httpx2.Response(302, headers={"location": target})
        return httpx2.Response(404)

    crawler = Crawler(runtime.unit_of_work, cast(Any, None), transport=httpx2.MockTransport(answer), resolve=resolve)
    url = "https://help.example/"
    with tenant_scope(tenant.tenant_id):
        async with runtime.unit_of_work() as uow:
            row = {"root_url": url, "status": "queued", "max_depth": 1, "max_pages": 5}
            await KnowledgeRepository(uow.session).add_crawl(tenant_id=tenant.tenant_id, crawl_id=crawl_id, **row)
        crawler.start(CrawlJob(tenant.tenant_id, crawl_id, url, 1, 5))
        await crawler.wait(crawl_id)
    status = (
        await client.get(f"/v1/knowledge/crawls/{crawl_id}", headers={"Authorization": f"Bearer {tenant.api_key}"})
    ).json()
    assert (status["status"], status["pages_fetched"], status["pages_failed"]) == ("completed", 0, 1)
    assert url in fetched
    assert {httpx2.URL(u).host for u in fetched} == {"help.example"}
