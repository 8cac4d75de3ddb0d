"""Composition root of the billing service."""

from __future__ import annotations

from litestar import Litestar

from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.billing import privacy
from services.billing.config import BillingSettings
from services.billing.endpoints import BillingController
from services.billing.handlers import subscriptions
from services.billing.models import metadata

NAME = "billing"


def create_app(settings: BillingSettings | None = None) -> Litestar:
    settings = settings or BillingSettings()
    runtime = ServiceRuntime(NAME, settings, metadata, [create_all_migration(metadata)])
    runtime.privacy.handle(privacy.redact, privacy.export)
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
    return build_app(runtime, [BillingController])
