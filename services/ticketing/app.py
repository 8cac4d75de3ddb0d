"""Composition root of the ticketing service."""

from __future__ import annotations

from litestar import Litestar

from libs.platform.db import Migration
from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.ticketing import privacy
from services.ticketing.account_endpoints import (
    ApiKeyController,
    InboxStreamController,
    PasswordController,
    SessionController,
)
from services.ticketing.accounts import SignInThrottle
from services.ticketing.config import TicketingSettings
from services.ticketing.endpoints import (
    HumanAgentsController,
    ReportController,
    SlaPolicyController,
    TicketController,
    lookup_caller,
)
from services.ticketing.handlers import sla_timers, subscriptions
from services.ticketing.models import add_accounts, add_sso, add_sso_issuer_problem, instance_metadata
from services.ticketing.oidc import LOCAL_OR_PUBLIC, PUBLIC, OidcClient
from services.ticketing.sso import TenantKeys
from services.ticketing.sso_endpoints import SsoController

NAME = "ticketing"
# The longest the SLA sweep sleeps: a timer due sooner on a ticket opened meanwhile is announced at most this late
# (the sweep otherwise wakes when the next running timer is due).
SLA_SWEEP_INTERVAL_S = 5.0


def create_app(
    settings: TicketingSettings | None = None, *, sla_sweep_interval_s: float = SLA_SWEEP_INTERVAL_S
) -> Litestar:
    settings = settings or TicketingSettings()
    metadata = instance_metadata()
    runtime = ServiceRuntime(
        NAME,
        settings,
        metadata,
        [
            create_all_migration(metadata),
            Migration(2, "owner role, passwords, issued keys", add_accounts),
            Migration(3, "single sign-on", add_sso),
            Migration(4, "single sign-on: the issuer's problem when saved", add_sso_issuer_problem),
        ],
    )
    runtime.privacy.handle(privacy.redact, privacy.export)
    runtime.callers = lambda key: lookup_caller(runtime, key)  # authenticated at the edge, like every service
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
    runtime.add_background(
        "sla-timers",
        lambda: sla_timers(runtime, sla_sweep_interval_s),
        does="when an SLA timer is due (or every 5 s), claim due timers and emit each breach once (`sla.breached`)",
    )
    return build_app(
        runtime,
        [
            TicketController,
            HumanAgentsController,
            SlaPolicyController,
            ReportController,
            SessionController,
            PasswordController,
            ApiKeyController,
            InboxStreamController,
            SsoController,
        ],
        settings=settings,
        throttle=SignInThrottle(limit=settings.sign_in_failures),
        oidc=OidcClient(destinations=LOCAL_OR_PUBLIC if settings.sso_allow_local_issuers else PUBLIC),
        keys=TenantKeys(lambda: runtime.event_log.sealer.keys.master),
    )
