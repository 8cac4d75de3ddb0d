"""The chat widget's files and its demo host page.

``/widget.js`` is the whole widget (one hand-written file, no framework; budget 30 KB gzipped, checked by
``web/tests/test_widget_budget.py``); ``/widget.css`` is its stylesheet, which the widget links inside its own
shadow root, so that neither the host page's styles nor an inline style (forbidden by a strict CSP) is involved.
"""

from __future__ import annotations

from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency

from web.config import WebSettings
from web.pages import STATIC, page

# Embedding sites fetch these on every page view: let browsers and CDNs keep them a few minutes.
_ASSET_HEADERS = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}


def _asset(name: str, media_type: str) -> Response[bytes]:
    return Response((STATIC / name).read_bytes(), media_type=media_type, headers=_ASSET_HEADERS)


class WidgetController(Controller):
    @get("/widget.js", include_in_schema=False)
    async def script(self) -> Response[bytes]:
        return _asset("widget.js", "text/javascript; charset=utf-8")

    @get("/widget.css", include_in_schema=False)
    async def stylesheet(self) -> Response[bytes]:
        return _asset("widget.css", "text/css; charset=utf-8")

    @get("/widget/demo", include_in_schema=False)
    async def demo(self, settings: NamedDependency[WebSettings]) -> Response[str]:
        """A shop page with the widget embedded by its one tag, wired to the demo tenant's widget key."""
        return page("widget_demo.html", widget_key=settings.demo_widget_key)


@get("/", include_in_schema=False, media_type=MediaType.HTML)
async def home() -> Response[str]:
    return page("home.html")
