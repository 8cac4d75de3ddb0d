"""Rate limits of the public web chat: token buckets per widget key and per client IP, kept in this process.

Each bucket holds up to ``burst`` tokens and refills at ``per_minute / 60`` tokens a second; a request takes one
token from its widget key's bucket *and* one from its client IP's bucket, or none at all. The state lives in the
service process (no shared store): with several replicas behind a load balancer a client can get up to one
replica's allowance from each, which bounds abuse well enough for a widget and costs no round trip per message.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from libs.platform.rate_limits import Rate, TokenBuckets, client_network
from services.conversation.config import ConversationSettings

__all__ = ["Limited", "Rate", "TokenBuckets", "WidgetAction", "WidgetLimiter", "client_network"]


class WidgetAction(Enum):
    OPEN = "conversations"
    MESSAGE = "messages"


@dataclass(frozen=True)
class Limited:
    """A refused request: what was exhausted and how long until it admits one again."""

    scope: str
    retry_after: float

    @property
    def retry_after_header(self) -> str:
        """``Retry-After`` in whole seconds, rounded up (so that a client waiting that long is admitted)."""
        return str(max(1, math.ceil(self.retry_after)))

    @property
    def detail(self) -> str:
        return f"too many requests for this {self.scope}; retry in {self.retry_after:.1f} s"


class WidgetLimiter:
    """Admits or refuses the widget's requests; call :meth:`admit` right before doing the work it guards.

    Check and take happen without an ``await`` in between, so concurrent requests on the event loop cannot both
    take the last token.
    """

    def __init__(
        self,
        limits: dict[WidgetAction, tuple[Rate, Rate]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._buckets = {action: (TokenBuckets(key), TokenBuckets(ip)) for action, (key, ip) in limits.items()}
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: ConversationSettings) -> WidgetLimiter:
        s = settings
        return cls(
            {
                WidgetAction.OPEN: (
                    Rate(s.widget_key_conversations_per_minute, s.widget_key_conversation_burst),
                    Rate(s.widget_ip_conversations_per_minute, s.widget_ip_conversation_burst),
                ),
                WidgetAction.MESSAGE: (
                    Rate(s.widget_key_messages_per_minute, s.widget_key_message_burst),
                    Rate(s.widget_ip_messages_per_minute, s.widget_ip_message_burst),
                ),
            }
        )

    def admit(self, action: WidgetAction, key_id: str, client_ip: str) -> Limited | None:
        """None when admitted (one token taken from both buckets), else what refused it (nothing taken)."""
        by_key, by_ip = self._buckets[action]
        client_ip = client_network(client_ip)
        now = self._clock()
        waits = [("widget key", by_key.wait(key_id, now)), ("client address", by_ip.wait(client_ip, now))]
        scope, longest = max(waits, key=lambda w: w[1])
        if longest > 0:
            return Limited(scope, longest)
        by_key.take(key_id, now)
        by_ip.take(client_ip, now)
        return None
