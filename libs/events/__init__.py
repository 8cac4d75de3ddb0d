"""Deskpilot's event contracts: the envelope, the catalog, subjects, streams, upcasters and the event-log client.

Services import from here and from nowhere else to talk to each other. Every catalog name is re-exported through
the catalog's own ``__all__``, so a new event is registered once, in ``libs/events/catalog/__init__.py``.
"""

from libs.events import catalog as _catalog
from libs.events.catalog import *  # noqa: F403 - the catalog's __all__ is the list of events
from libs.events.envelope import SYSTEM, Actor, Envelope, PoisonEvent, RecordedEvent, decode
from libs.events.ids import new_id, uuid7
from libs.events.log import EventLog, VersionConflict

__all__ = [  # noqa: PLE0604 - the catalog's names, then this package's own
    *_catalog.__all__,
    "SYSTEM",
    "Actor",
    "Envelope",
    "EventLog",
    "PoisonEvent",
    "RecordedEvent",
    "VersionConflict",
    "decode",
    "new_id",
    "uuid7",
]
