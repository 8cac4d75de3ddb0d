"""Website crawls as background jobs: the sitemap plus same-host links from a start URL, within a depth and page
limit, obeying robots.txt; each page's main content becomes (or updates) an article, deduplicated by content hash.

Progress is kept in ``crawls`` (the status API reads it) and published as ``crawl.progressed`` every
``PROGRESS_EVERY`` pages and at the end. A re-crawl re-indexes only pages whose content hash changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Literal
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx2
from sqlalchemy import func

from libs.events import Envelope
from libs.events.catalog.knowledge import CrawlProgressed
from libs.platform.destinations import DestinationRefused, Destinations, Resolver, get_following, system_resolve
from libs.platform.outbox import UnitOfWork
from services.knowledge import service
from services.knowledge.chunking import content_hash, html_to_markdown
from services.knowledge.repository import ArticleRow, KnowledgeRepository

log = logging.getLogger("deskpilot.knowledge.crawler")

USER_AGENT = "DeskpilotBot/0.1 (+https://github.com/deskpilot)"
PROGRESS_EVERY = 10
MAX_PAGE_BYTES = 5 * 1024 * 1024
UnitOfWorkFactory = Callable[[], contextlib.AbstractAsyncContextManager[UnitOfWork]]


class CrawlRefused(ValueError):
    """The start URL may not be crawled: the crawl fails with this reason."""


async def check_crawlable(url: str, destinations: Destinations) -> None:
    """Refuse non-HTTP URLs and hosts that do not resolve to public addresses (unless the operator allows private
    ones): a crawl fetches URLs chosen by a tenant, which must not reach the operator's internal services. Every
    page, redirect hop and connection of the crawl passes the same rule (``libs.platform.destinations``)."""
    try:
        await destinations.check_url(url)
    except DestinationRefused as refused:
        raise CrawlRefused(refused.reason) from None


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.nofollow = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href") and "nofollow" not in (values.get("rel") or ""):
            self.hrefs.append(values["href"] or "")
        if tag == "meta" and (values.get("name") or "").lower() == "robots":
            self.nofollow = "nofollow" in (values.get("content") or "").lower()


def _normalise(url: str) -> str:
    return urldefrag(url)[0]


def _sitemap_locations(xml: str) -> list[str]:
    # <loc> elements of a sitemap or sitemap index; a regex, not an XML parser, so hostile XML cannot expand.
    return [m.strip() for m in re.findall(r"<loc>\s*([^<\s]+)\s*</loc>", xml)]


@dataclass
class CrawlJob:
    tenant_id: str
    crawl_id: str
    root_url: str
    max_depth: int
    max_pages: int
    locale: str = "en"
    counters: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("found", "fetched", "indexed", "unchanged", "failed"), 0)
    )


class Crawler:
    """Runs crawl jobs as tasks of this process (one at a time per job, pages fetched sequentially)."""

    def __init__(
        self,
        unit_of_work: UnitOfWorkFactory,
        kb: service.Knowledge,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        allow_private: bool = False,
        resolve: Resolver = system_resolve,
    ) -> None:
        self._destinations = Destinations(allow_private=allow_private, resolve=resolve)
        self._uow = unit_of_work
        self._kb = kb
        self._transport = transport
        self._timeout = timeout
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, job: CrawlJob) -> None:
        task = asyncio.create_task(self._run(job), name=f"crawl-{job.crawl_id}")
        self._tasks[job.crawl_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(job.crawl_id, None))

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def wait(self, crawl_id: str) -> None:
        task = self._tasks.get(crawl_id)
        if task is not None:
            await asyncio.shield(task)

    async def _run(self, job: CrawlJob) -> None:
        try:  # before anything is fetched: the start URL's host must resolve, to public addresses unless allowed
            await check_crawlable(job.root_url, self._destinations)
        except CrawlRefused as refused:
            await self._finish(job, "failed", str(refused))
            return
        try:
            async with self._client() as client:
                await self._crawl(job, client)
        except asyncio.CancelledError:
            # Best effort: the database may already be going away with the process.
            with contextlib.suppress(Exception):
                await self._finish(job, "failed", "interrupted (service stopped)")
            raise
        except Exception as error:
            log.exception("crawl %s failed", job.crawl_id)
            await self._finish(job, "failed", type(error).__name__)
        else:
            await self._finish(job, "completed", None)

    def _client(self) -> httpx2.AsyncClient:
        """Redirects are followed by ``get_following``, one checked hop at a time; without an injected transport
        (tests), every connection goes to an address the rule checked."""
        options: dict[str, Any] = {"timeout": self._timeout, "headers": {"User-Agent": USER_AGENT}}
        if self._transport is None:
            return self._destinations.client(**options)
        return httpx2.AsyncClient(transport=self._transport, follow_redirects=False, trust_env=False, **options)

    async def _get(self, client: httpx2.AsyncClient, url: str) -> httpx2.Response | None:
        try:
            return await get_following(client, url, self._destinations)
        except (httpx2.HTTPError, DestinationRefused):
            return None

    async def _robots(self, client: httpx2.AsyncClient, root: str) -> RobotFileParser:
        robots = RobotFileParser()
        response = await self._get(client, urljoin(root, "/robots.txt"))
        if response is not None and response.status_code == 200:
            robots.parse(response.text.splitlines())
        elif response is not None and response.status_code in {401, 403}:
            robots.parse(["User-agent: *", "Disallow: /"])  # robots.txt forbidden: the site is off limits
        else:
            robots.parse([])  # no robots.txt: everything is allowed
        return robots

    async def _sitemap(self, client: httpx2.AsyncClient, root: str, robots: RobotFileParser) -> list[str]:
        todo = list(robots.site_maps() or []) or [urljoin(root, "/sitemap.xml")]
        pages: list[str] = []
        for depth in range(2):  # a sitemap index, then its sitemaps
            nested: list[str] = []
            for sitemap_url in todo:
                response = await self._get(client, sitemap_url)
                if response is None or response.status_code != 200:
                    continue
                for loc in _sitemap_locations(response.text):
                    (nested if depth == 0 and loc.endswith(".xml") else pages).append(loc)
            todo = nested
        return pages

    async def _crawl(self, job: CrawlJob, client: httpx2.AsyncClient) -> None:
        await self._update(job, status="running")
        host = urlsplit(job.root_url).netloc
        robots = await self._robots(client, job.root_url)

        def allowed(url: str) -> bool:
            parts = urlsplit(url)
            return parts.scheme in {"http", "https"} and parts.netloc == host and robots.can_fetch(USER_AGENT, url)

        queue: deque[tuple[str, int]] = deque()
        seen: set[str] = set()

        def enqueue(url: str, depth: int) -> None:
            url = _normalise(url)
            if url not in seen and allowed(url):
                seen.add(url)
                queue.append((url, depth))

        enqueue(job.root_url, 0)
        for url in await self._sitemap(client, job.root_url, robots):
            enqueue(url, 0)
        hashes_this_crawl: set[str] = set()
        while queue and job.counters["fetched"] + job.counters["failed"] < job.max_pages:
            url, depth = queue.popleft()
            job.counters["found"] = len(seen)
            page = await self._fetch(client, url)
            if page is None or not allowed(_normalise(str(page[0]))):
                job.counters["failed"] += 1
                await self._progress(job)
                continue
            final_url, html = page
            job.counters["fetched"] += 1
            links = _Links()
            links.feed(html)
            if depth < job.max_depth and not links.nofollow:
                for href in links.hrefs:
                    enqueue(urljoin(final_url, href), depth + 1)
            job.counters["found"] = len(seen)
            await self._store_page(job, url, html, hashes_this_crawl)
            await self._progress(job)

    async def _fetch(self, client: httpx2.AsyncClient, url: str) -> tuple[str, str] | None:
        response = await self._get(client, url)
        if response is None:
            return None
        content_type = response.headers.get("content-type", "")
        if response.status_code != 200 or "html" not in content_type or len(response.content) > MAX_PAGE_BYTES:
            return None
        return str(response.url), response.text

    async def _store_page(self, job: CrawlJob, url: str, html: str, hashes_this_crawl: set[str]) -> None:
        page = html_to_markdown(html)
        if not page.markdown.strip():
            job.counters["failed"] += 1
            return
        digest = content_hash(page.markdown)
        if digest in hashes_this_crawl:  # the same content under another URL (mirrors, ?ref= links)
            job.counters["unchanged"] += 1
            return
        hashes_this_crawl.add(digest)
        async with self._uow() as uow:
            repo = KnowledgeRepository(uow.session)
            known = await repo.crawled_page(job.tenant_id, url)
            if known is not None and known.content_hash == digest:
                job.counters["unchanged"] += 1
                await repo.record_crawled_page(job.tenant_id, url, known.article_id, digest, job.crawl_id)
                return
            title = (page.title or url)[:300]
            article: ArticleRow | None = None
            if known is not None:
                try:
                    article = await service.update_article(
                        uow,
                        self._kb,
                        job.tenant_id,
                        known.article_id,
                        {"title": title, "body": page.markdown, "status": "published"},
                    )
                except service.ArticleNotFound:
                    article = None  # archived by the tenant since: crawl it as new
            if article is None:
                article = await service.create_article(
                    uow,
                    self._kb,
                    job.tenant_id,
                    title=title,
                    body=page.markdown,
                    locale=job.locale,
                    source_url=url,
                )
            await repo.record_crawled_page(job.tenant_id, url, article.article_id, digest, job.crawl_id)
            job.counters["indexed"] += 1

    async def _update(self, job: CrawlJob, **values: Any) -> None:
        async with self._uow() as uow:
            await KnowledgeRepository(uow.session).update_crawl(job.tenant_id, job.crawl_id, **values)

    def _event(self, job: CrawlJob, status: Literal["running", "completed", "failed"]) -> Envelope:
        c = job.counters
        return Envelope.new(
            CrawlProgressed(
                crawl_id=job.crawl_id,
                status=status,
                pages_found=c["found"],
                pages_fetched=c["fetched"],
                pages_indexed=c["indexed"],
                pages_unchanged=c["unchanged"],
                pages_failed=c["failed"],
            ),
            tenant_id=job.tenant_id,
            actor=service.ACTOR,
        )

    def _counter_columns(self, job: CrawlJob) -> dict[str, int]:
        return {f"pages_{name}": value for name, value in job.counters.items()}

    async def _progress(self, job: CrawlJob) -> None:
        done = job.counters["fetched"] + job.counters["failed"]
        async with self._uow() as uow:
            await KnowledgeRepository(uow.session).update_crawl(
                job.tenant_id, job.crawl_id, **self._counter_columns(job)
            )
            if done % PROGRESS_EVERY == 0:
                uow.emit(self._event(job, "running"))

    async def _finish(
        self, job: CrawlJob, status: Literal["running", "completed", "failed"], error: str | None
    ) -> None:
        async with self._uow() as uow:
            await KnowledgeRepository(uow.session).update_crawl(
                job.tenant_id,
                job.crawl_id,
                status=status,
                error=error,
                finished_at=func.now(),
                **self._counter_columns(job),
            )
            uow.emit(self._event(job, status))
