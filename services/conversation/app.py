"""Composition root of the conversation service."""

from __future__ import annotations

from litestar import Litestar
from litestar.types import ControllerRouterHandler

from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.conversation.chat import ChatController, WidgetKeyController, chat_socket
from services.conversation.config import ConversationSettings
from services.conversation.endpoints import ConversationController
from services.conversation.handlers import subscriptions
from services.conversation.mail import EmailAddressController, outbound_subscriptions, smtp_server
from services.conversation.models import metadata

NAME = "conversation"


def create_app(settings: ConversationSettings | None = None) -> Litestar:
    settings = settings or ConversationSettings()
    runtime = ServiceRuntime(NAME, settings, metadata, [create_all_migration(metadata)])
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
    if settings.smtp_enabled:
        runtime.add_background("smtp", smtp_server(runtime, settings))
        for sub in outbound_subscriptions(runtime, settings):
            runtime.subscribe(sub)
    handlers: list[ControllerRouterHandler] = [
        ConversationController,
        WidgetKeyController,
        ChatController,
        chat_socket,
        EmailAddressController,
    ]
    return build_app(runtime, handlers, settings=settings)
