"""Composition root of the integrations service."""

from __future__ import annotations

from litestar import Litestar

from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.integrations import service
from services.integrations.config import IntegrationsSettings
from services.integrations.endpoints import IntegrationsController
from services.integrations.handlers import subscriptions
from services.integrations.models import metadata

NAME = "integrations"


def create_app(settings: IntegrationsSettings | None = None) -> Litestar:
    settings = settings or IntegrationsSettings()
    runtime = ServiceRuntime(
        NAME, settings, metadata, [create_all_migration(metadata)], on_tenant_created=service.on_tenant_created
    )
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
    return build_app(runtime, [IntegrationsController])
