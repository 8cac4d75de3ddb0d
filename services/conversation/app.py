"""Composition root of the conversation service."""

from __future__ import annotations

from litestar import Litestar

from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime, create_all_migration
from services.conversation.config import ConversationSettings
from services.conversation.endpoints import ConversationController
from services.conversation.handlers import subscriptions
from services.conversation.models import metadata

NAME = "conversation"


def create_app(settings: ConversationSettings | None = None) -> Litestar:
    settings = settings or ConversationSettings()
    runtime = ServiceRuntime(NAME, settings, metadata, [create_all_migration(metadata)])
    for sub in subscriptions(runtime):
        runtime.subscribe(sub)
    return build_app(runtime, [ConversationController], settings=settings)
