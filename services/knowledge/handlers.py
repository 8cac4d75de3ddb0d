"""Event subscribers of the knowledge service."""

from __future__ import annotations

from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.knowledge import service


def subscriptions(runtime: ServiceRuntime, kb: service.Knowledge) -> list[Subscription]:
    return [service.tool_executor(kb).subscription(runtime.unit_of_work, max_workers=4)]
