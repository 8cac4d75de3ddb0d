"""The knowledge base in the console: articles (list, create, edit with a live markdown preview, publish,
archive, version history), imports with an upload progress bar, and website crawls with a progress bar that
follows the crawl's counters."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get, post
from litestar.response import Redirect

from web.auth import SessionApi, act, checked_form, layout
from web.console.common import (
    AnyRequest,
    Api,
    Store,
    admin,
    admin_form,
)
from web.markdown import render
from web.pages import page

FORMATS = ("markdown", "html")


def _article_body(form: dict[str, str]) -> dict[str, Any]:
    tags = [t.strip() for t in form.get("tags", "").split(",") if t.strip()]
    return {
        "title": form.get("title", "").strip(),
        "body": form.get("body", ""),
        "body_format": form.get("body_format") if form.get("body_format") in FORMATS else "markdown",
        "tags": tags,
        "status": "published" if form.get("status") == "published" else "draft",
    }


class KnowledgeController(Controller):
    path = "/console/knowledge"

    @get("/")
    async def articles(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        status = request.query_params.get("status") or None
        found = await SessionApi(api, session).get("/v1/knowledge/articles", params={"limit": 200, "status": status})
        crawls = session.crawls
        return page(
            "console/knowledge.html",
            **layout(session, section="console", tab="knowledge", articles=found["items"], crawls=crawls),
        )

    @get("/new")
    async def new_form(self, request: AnyRequest, store: Store) -> Response[str]:
        session = admin(request, store)
        blank: dict[str, Any] = {
            "article_id": None,
            "title": "",
            "body": "",
            "body_format": "markdown",
            "tags": [],
            "status": "draft",
        }
        return page(
            "console/article.html",
            **layout(session, section="console", tab="knowledge", article=blank, versions=[], preview=render("")),
        )

    @post("/new")
    async def create(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        created: dict[str, Any] = {}

        async def call() -> None:
            created.update(await user.post("/v1/knowledge/articles", json_body=_article_body(form)))

        back = await act(session, "/console/knowledge/new", "Article saved.", call())
        return Redirect(f"/console/knowledge/{created['article_id']}", status_code=303) if created else back

    @get("/{article_id:str}")
    async def edit_form(self, request: AnyRequest, article_id: str, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        user = SessionApi(api, session)
        article = await user.get(f"/v1/knowledge/articles/{article_id}")
        versions = (await user.get(f"/v1/knowledge/articles/{article_id}/versions"))["items"]
        return page(
            "console/article.html",
            **layout(
                session,
                section="console",
                tab="knowledge",
                article=article,
                versions=sorted(versions, key=lambda v: v["version"], reverse=True),
                preview=render(article["body"], article["body_format"]),
            ),
        )

    @post("/{article_id:str}")
    async def update(self, request: AnyRequest, article_id: str, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        call = user.call("PATCH", f"/v1/knowledge/articles/{article_id}", json_body=_article_body(form))
        return await act(session, f"/console/knowledge/{article_id}", "Saved as a new version.", call)

    @post("/{article_id:str}/publish")
    async def publish(self, request: AnyRequest, article_id: str, api: Api, store: Store) -> Redirect:
        session, _, user = await admin_form(request, store, api)
        call = user.post(f"/v1/knowledge/articles/{article_id}/publish")
        return await act(session, f"/console/knowledge/{article_id}", "Published: the AI can use it now.", call)

    @post("/{article_id:str}/archive")
    async def archive(self, request: AnyRequest, article_id: str, api: Api, store: Store) -> Redirect:
        session, _, user = await admin_form(request, store, api)
        call = user.call("DELETE", f"/v1/knowledge/articles/{article_id}")
        return await act(session, "/console/knowledge", "Archived (its history stays).", call)

    @post("/preview")
    async def preview(self, request: AnyRequest, store: Store) -> Response[str]:
        """The markdown preview of the text being edited, for the editor's script (CSRF-checked like a form)."""
        session = admin(request, store)
        form = await checked_form(request, session)
        return page("console/_preview.html", preview=render(form.get("body", ""), form.get("body_format", "markdown")))

    @post("/import")
    async def import_file(self, request: AnyRequest, api: Api, store: Store) -> Response[Any]:
        """An uploaded file (Markdown, HTML, PDF or a question/answer CSV) becomes articles (drafts or published)."""
        session = admin(request, store)
        fields = await checked_form(request, session)
        upload = (await request.form()).get("file")  # the parsed form is kept on the request
        if upload is None or isinstance(upload, str):
            session.say("error", "Choose a file to import.")
            return Redirect("/console/knowledge", status_code=303)
        content = await upload.read()
        status = "published" if fields.get("status") == "published" else "draft"

        def told(imported: dict[str, Any]) -> tuple[str, str]:
            if imported.get("problem"):
                return "error", f"Nothing imported from {upload.filename}: {imported['problem']}"
            return "ok", f"Imported {len(imported['article_ids'])} article(s) from {upload.filename}."

        call = SessionApi(api, session).post(
            "/v1/knowledge/imports",
            params={"filename": upload.filename or "upload", "status": status},
            content=content,
            headers={"Content-Type": upload.content_type or "application/octet-stream"},
        )
        back = await act(session, "/console/knowledge", told, call)
        if "application/json" in request.headers.get("accept", ""):
            # The page's script uploads (to show progress) and then goes where a form would have been sent.
            return Response({"next": back.url}, media_type="application/json")
        return back

    @post("/crawls")
    async def crawl(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        body = {"url": form.get("url", "").strip(), "max_pages": int(form.get("max_pages") or 50), "max_depth": 3}
        started: dict[str, Any] = {}

        async def call() -> None:
            started.update(await user.post("/v1/knowledge/crawls", json_body=body))

        back = await act(session, "/console/knowledge", "Crawl started.", call())
        if started:
            session.crawls.insert(0, started["crawl_id"])
            del session.crawls[10:]
            return Redirect(f"/console/knowledge/crawls/{started['crawl_id']}", status_code=303)
        return back

    @get("/crawls/{crawl_id:str}")
    async def crawl_page(self, request: AnyRequest, crawl_id: str, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        crawl = await SessionApi(api, session).get(f"/v1/knowledge/crawls/{crawl_id}")
        return page("console/crawl.html", **layout(session, section="console", tab="knowledge", crawl=crawl))

    @get("/crawls/{crawl_id:str}/status")
    async def crawl_status(self, request: AnyRequest, crawl_id: str, api: Api, store: Store) -> dict[str, Any]:
        """The crawl's counters as JSON, for the progress bar's script."""
        session = admin(request, store)
        crawl: dict[str, Any] = await SessionApi(api, session).get(f"/v1/knowledge/crawls/{crawl_id}")
        return crawl
