"""Composition root of the conversation service."""

from __future__ import annotations

from litestar import Litestar
from litestar.types import ControllerRouterHandler

from libs.platform.db import Migration
from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.conversation.chat import ChatController, chat_socket
from services.conversation.config import ConversationSettings
from services.conversation.endpoints import ConversationController
from services.conversation.handlers import subscriptions
from services.conversation.limits import WidgetLimiter
from services.conversation.mail import EmailAddressController, outbound_subscriptions, smtp_server
from services.conversation.models import metadata
from services.conversation.repository import add_widget_key_revocation
from services.conversation.widget_keys import WidgetKeyController

NAME = "conversation"


MIGRATIONS = [
    create_all_migration(metadata),
    Migration(2, "widget keys: key_prefix, revoked_at", add_widget_key_revocation),
]


def create_app(settings: ConversationSettings | None = None) -> Litestar:
    settings = settings or ConversationSettings()
    runtime = ServiceRuntime(NAME, settings, metadata, MIGRATIONS)
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
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
    ]
    # In-process: each replica limits on its own (docs/channels.md).
    return build_app(runtime, handlers, settings=settings, widget_limiter=WidgetLimiter.from_settings(settings))
