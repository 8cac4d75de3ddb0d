"""The public API's contract where a client looks: ``/openapi.json`` (the committed ``docs/openapi.json``, which
``deskpilot.contract`` generates) and ``/reference``, a page rendering it with Scalar (the renderer Litestar ships).
Served by the web front end, so that every way of running the platform routes them alike: ``deskpilot up``'s
gateway, docker-compose's nginx and the Kubernetes ingress send both paths here."""

from __future__ import annotations

import functools
from pathlib import Path

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException

from web.config import WebSettings

REFERENCE_CSP = (
    "default-src 'none'; script-src https://cdn.jsdelivr.net; style-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "font-src https: data:; img-src 'self' https: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
"""The reference page's own policy: the renderer's script and styles from its CDN, the document from here."""
REFERENCE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Deskpilot API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><script id="api-reference" data-url="/openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference@1"></script></body></html>
"""


@functools.cache
def _document(path: Path) -> bytes | None:
    """The document, read once per process (it ships with the installation and changes only with it)."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


@get("/openapi.json", include_in_schema=False)
async def openapi_document(settings: NamedDependency[WebSettings]) -> Response[bytes]:
    document = _document(settings.openapi_document)
    if document is None:
        raise NotFoundException(f"this installation has no {settings.openapi_document.name}")
    return Response(document, media_type="application/json")


@get("/reference", include_in_schema=False)
async def reference() -> Response[str]:
    return Response(REFERENCE, media_type="text/html", headers={"content-security-policy": REFERENCE_CSP})
