"""One object per NATS connection, made on first use and gone with the connection: what every user of a connection
shares instead of subscribing for itself (the event log's direct reads, the chats' live consumer)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar

from nats.aio.client import Client as NATS

T = TypeVar("T")


def one_per_connection(make: Callable[[NATS], T]) -> Callable[[NATS], T]:
    """A function that returns ``make(nc)`` for a connection ``nc``, the same object every time."""
    made: weakref.WeakKeyDictionary[NATS, T] = weakref.WeakKeyDictionary()

    def on(nc: NATS) -> T:
        if (existing := made.get(nc)) is not None:
            return existing
        made[nc] = created = make(nc)
        return created

    return on
