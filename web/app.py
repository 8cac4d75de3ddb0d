"""Composition root of the web front end: settings, the public-API client, pages and static files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ControllerRouterHandler

from web.api import ApiError, PublicApi
from web.auth import (
    AuthController,
    CsrfRefused,
    NotAllowed,
    SignInRequired,
    load_session,
    on_api_error,
    on_csrf,
    on_http_error,
    on_not_allowed,
    on_sign_in_required,
    on_unexpected,
    save_session,
)
from web.config import WebSettings
from web.console import (
    AnalyticsController,
    ConversationsController,
    IntegrationsController,
    KeysController,
    KnowledgeController,
    PoliciesController,
    PrivacyController,
    ProcedureCheckController,
    ProceduresController,
    ReleasesController,
    ReplaysController,
    SimulationsController,
    SupportAddressesController,
)
from web.console.sso import SsoSettingsController
from web.inbox import InboxController
from web.pages import STATIC
from web.reference import openapi_document, reference
from web.security import ASGIApp, security_headers
from web.session_store import PostgresRows
from web.sessions import SessionStore
from web.sso import SsoController
from web.widget import WidgetController, home

NAME = "web"


def _constant(value: Any) -> Provide:
    def provide() -> Any:
        return value

    return Provide(provide, sync_to_thread=False)


@get("/web/healthz", include_in_schema=False, sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok", "service": NAME}


PAGES: list[ControllerRouterHandler] = [
    healthz,
    home,
    WidgetController,
    AuthController,
    SsoController,
    SsoSettingsController,
    InboxController,
    AnalyticsController,
    KnowledgeController,
    IntegrationsController,
    PoliciesController,
    PrivacyController,
    KeysController,
    ConversationsController,
    ReplaysController,
    ProceduresController,
    ProcedureCheckController,
    ReleasesController,
    SimulationsController,
    SupportAddressesController,
    openapi_document,
    reference,
]
"""Every route of the front end but its static files."""


def create_app(settings: WebSettings | None = None) -> ASGIApp:
    """The web front end as uvicorn serves it: the Litestar app inside the security-headers middleware, which
    wraps the whole app so that even the router's own answers (404, 405) carry the headers."""
    return security_headers(cast(ASGIApp, build_app(settings or WebSettings())))


def build_app(settings: WebSettings) -> Litestar:
    api = PublicApi(settings.api_url, settings.api_timeout, settings.service_urls)
    store = SessionStore()

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        rows = None
        if settings.database_url is not None:
            owner = settings.database_owner_url.get_secret_value() if settings.database_owner_url else None
            rows = await PostgresRows.open(settings.database_url.get_secret_value(), owner)
            store.rows = rows
        try:
            yield
        finally:
            await api.close()
            if rows is not None:
                await rows.close()

    static = create_static_files_router(path="/web/static", directories=[STATIC], include_in_schema=False)
    return Litestar(
        route_handlers=[*PAGES, static],
        dependencies={"settings": _constant(settings), "api": _constant(api), "store": _constant(store)},
        exception_handlers={
            SignInRequired: on_sign_in_required,
            NotAllowed: on_not_allowed,
            CsrfRefused: on_csrf,
            ApiError: on_api_error,
            HTTPException: on_http_error,
            HTTP_500_INTERNAL_SERVER_ERROR: on_unexpected,
        },
        lifespan=[lifespan],
        before_request=load_session,
        before_send=[save_session],
        state=State({"settings": settings, "api": api, "store": store}),
        openapi_config=None,
        debug=False,
    )
