"""Composition root of the conversation service."""

from __future__ import annotations

from litestar import Litestar
from litestar.types import ControllerRouterHandler

from libs.platform.db import Migration
from libs.platform.http import build_app
from libs.platform.operator import OperatorController
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.conversation.chat import ChatController, chat_socket
from services.conversation.config import ConversationSettings
from services.conversation.endpoints import ConversationController
from services.conversation.handlers import subscriptions
from services.conversation.limits import WidgetLimiter
from services.conversation.mail import outbound_subscriptions, smtp_server
from services.conversation.mail_addresses import EmailAddressController
from services.conversation.models import add_privacy, email_address_claims, metadata, retention_policies
from services.conversation.privacy_endpoints import PrivacyController
from services.conversation.repository import add_widget_key_revocation
from services.conversation.retention import run_retention
from services.conversation.turn_sweep import TurnSweep
from services.conversation.widget_keys import WidgetKeyController

NAME = "conversation"


MIGRATIONS = [
    create_all_migration(metadata),
    Migration(2, "widget keys: key_prefix, revoked_at", add_widget_key_revocation),
    Migration(3, "privacy: conversations.erased_at, privacy_requests", add_privacy),
    create_all_migration(metadata, 4, "privacy: retention_policies", [retention_policies]),
    create_all_migration(metadata, 5, "email: email_address_claims", [email_address_claims]),
]


def create_app(settings: ConversationSettings | None = None) -> Litestar:
    settings = settings or ConversationSettings()
    runtime = ServiceRuntime(NAME, settings, metadata, MIGRATIONS)
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
    sweep = TurnSweep(runtime.db, runtime.event_log, settings.turn_stall_seconds)
    runtime.add_background(
        "turn-sweep",
        lambda: sweep.run(settings.turn_sweep_seconds),
        does="every 5 s, find customer messages unanswered and stalled for 15 s: resume the turn, then hand over",
    )
    runtime.add_background(
        "retention",
        lambda: run_retention(runtime, settings.retention_run_seconds),
        does="hourly, erase each tenant's conversations older than its retention (crypto-shredding, as an erasure)",
    )
    if settings.smtp_enabled:
        runtime.add_background(
            "smtp",
            smtp_server(runtime, settings),
            does="the SMTP server of the email channel: mail in → `message.received`",
        )
        for sub in outbound_subscriptions(runtime, settings):
            runtime.subscribe(sub)
    handlers: list[ControllerRouterHandler] = [
        ConversationController,
        WidgetKeyController,
        ChatController,
        chat_socket,
        EmailAddressController,
        PrivacyController,
        OperatorController,  # every service's dead letters; one service serves the operator API
    ]
    # In-process: each replica limits on its own (docs/channels.md).
    return build_app(
        runtime, handlers, settings=settings, widget_limiter=WidgetLimiter.from_settings(settings), turn_sweep=sweep
    )
