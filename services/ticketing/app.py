"""Composition root of the ticketing service."""

from __future__ import annotations

from litestar import Litestar

from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.ticketing.config import TicketingSettings
from services.ticketing.endpoints import TicketController
from services.ticketing.handlers import subscriptions
from services.ticketing.models import metadata

NAME = "ticketing"


def create_app(settings: TicketingSettings | None = None) -> Litestar:
    settings = settings or TicketingSettings()
    runtime = ServiceRuntime(NAME, settings, metadata, [create_all_migration(metadata)])
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
    return build_app(runtime, [TicketController])
