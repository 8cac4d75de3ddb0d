"""What each NATS identity may publish and subscribe to (decision 0043), derived from the code.

* The events a service publishes: every catalog entry whose ``PRODUCERS`` names it (``libs/events/catalog``), on
  its subject pattern (``dp.conv.*.*.<type>``, a command's with its route token, ``dp.tenant.*.<type>``).
* Its durable consumers, from the subscriptions its app registers (``deskpilot.architecture_docs.service_views``):
  the JetStream API of those consumers only (create, info, next message, acknowledgements) and their dead-letter
  subjects. No service can create, read, acknowledge or delete another's consumer.
* What every service needs of the platform's streams (stream info/creation, the conversation log's direct reads,
  the data-key bucket, the export bucket) and the core-NATS subjects of a few services (``CORE`` below: replies
  streaming, widget revocations, the ticket inbox's live feed, sandbox tool calls).
* Replies only on ``_INBOX.<identity>.>`` (``libs/platform/nats_auth.py``), answers to requests it received.

``python -m deskpilot.nats_permissions`` regenerates ``deskpilot/nats_permissions.json``, which ``deskpilot up``,
the test fixtures and the Kubernetes/compose configuration (``deskpilot nats-config``) are built from; a test fails
when it is stale. Analytics credentials (``analytics_permissions``) are made per credential, not generated here.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from libs.events.catalog import EVENT_TYPES
from libs.events.ids import is_subject_token
from libs.events.sandbox import sandbox_tools_subject
from libs.events.streams import (
    DEAD_LETTER_STREAM,
    EVENTS_STREAM,
    EXPORTS_BUCKET,
    EXPORTS_STREAM,
    KEYS_BUCKET,
    KEYS_STREAM,
)
from libs.events.subjects import (
    CONVERSATION_PREFIX,
    DLQ_PREFIX,
    ROOT,
    SANDBOX_PREFIX,
    STREAM_PREFIX,
    WIDGET_PREFIX,
    any_conversation,
    any_tenant,
    dead_letter_subject,
    redrive_subject,
)
from libs.platform.dead_letters import REDRIVEN
from libs.platform.nats_auth import inbox_prefix

GENERATED = Path(__file__).with_name("nats_permissions.json")
REGENERATE = ".venv/bin/python -m deskpilot.nats_permissions"
API = "$JS.API"


@dataclass(frozen=True)
class Permissions:
    """One identity's ``allow`` lists (everything else is denied)."""

    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    allow_responses: bool = False

    def as_json(self) -> dict[str, object]:
        """As in ``deskpilot/nats_permissions.json`` (no allow list means nothing allowed, not everything)."""
        return {
            "publish": list(self.publish),
            "subscribe": list(self.subscribe),
            "allow_responses": self.allow_responses,
        }


@dataclass(frozen=True)
class Core:
    """Core-NATS subjects (not the log) a service publishes or subscribes to, beyond every service's own."""

    publish: tuple[str, ...] = ()
    subscribe: tuple[str, ...] = ()
    js_api: tuple[str, ...] = ()


CORE: dict[str, Core] = {
    "agent": Core(publish=(f"{STREAM_PREFIX}.*.*", f"{SANDBOX_PREFIX}.*.tools")),
    "conversation": Core(
        # the operator API (libs/platform/operator.py) reads every dead letter and asks the owning service to redrive
        publish=(
            f"{WIDGET_PREFIX}.*.*.revoked",
            f"{ROOT}.ops.redrive.*",
            f"{DLQ_PREFIX}.*.{REDRIVEN}",
            f"{API}.STREAM.MSG.GET.{DEAD_LETTER_STREAM}",  # from the leader only (libs/platform/dead_letters.py)
        ),
        subscribe=(f"{WIDGET_PREFIX}.*.*.revoked", f"{STREAM_PREFIX}.*.*"),
        # a chat feed's live events: an ephemeral ordered consumer filtered to the conversation
        js_api=(f"{API}.CONSUMER.CREATE.{EVENTS_STREAM}", f"$JS.FC.{EVENTS_STREAM}.>"),
    ),
    # the inbox's live feed of one tenant (GET /v1/tickets/stream) reads the log's subjects as core NATS
    "ticketing": Core(subscribe=(f"{CONVERSATION_PREFIX}.*.*.>", any_tenant("ticket.note_added"))),
}


def produced_subjects(service: str) -> list[str]:
    """The subject patterns of the events (and commands) the catalog says ``service`` produces."""
    return [
        any_conversation(event_type) if cls.SCOPE == "conversation" else any_tenant(event_type)
        for event_type, cls in EVENT_TYPES.items()
        if service in cls.PRODUCERS
    ]


def consumer_api(stream: str, consumer: str) -> list[str]:
    """The JetStream API subjects that create, inspect, pull from, acknowledge and reset one consumer (an ordered
    consumer left with unacknowledged messages starts again from its ack floor: decision 0054)."""
    return [
        f"{API}.CONSUMER.DURABLE.CREATE.{stream}.{consumer}",
        f"{API}.CONSUMER.CREATE.{stream}.{consumer}",
        f"{API}.CONSUMER.CREATE.{stream}.{consumer}.>",
        f"{API}.CONSUMER.INFO.{stream}.{consumer}",
        f"{API}.CONSUMER.MSG.NEXT.{stream}.{consumer}",
        f"{API}.CONSUMER.RESET.{stream}.{consumer}",
        f"$JS.ACK.{stream}.{consumer}.>",
    ]


def platform_api() -> list[str]:
    """What every service does with the platform's streams, whatever its subscriptions."""
    streams = (EVENTS_STREAM, DEAD_LETTER_STREAM, KEYS_STREAM, EXPORTS_STREAM)
    # create a missing stream (a new installation), never change one: a stream updated to capture ``_INBOX.<other>.>``
    # would let a service read another's replies by direct get (decision 0044); JetStream refuses a create with
    # another configuration than the existing stream's
    managed = [f"{API}.STREAM.{op}.{s}" for s in streams for op in ("INFO", "CREATE")]
    buckets = [
        # conversations' data keys (libs/events/subject_keys.py): read, written, erased
        f"$KV.{KEYS_BUCKET}.>",
        f"{API}.DIRECT.GET.{KEYS_STREAM}.>",
        f"{API}.STREAM.MSG.GET.{KEYS_STREAM}",
        f"{API}.STREAM.MSG.DELETE.{KEYS_STREAM}",
        f"{API}.STREAM.PURGE.{KEYS_STREAM}",
        # privacy exports (libs/platform/privacy.py): an object store
        f"$O.{EXPORTS_BUCKET}.>",
        f"{API}.STREAM.PURGE.{EXPORTS_STREAM}",  # an object's old parts, when it is replaced or deleted
        f"{API}.STREAM.MSG.*.{EXPORTS_STREAM}",  # an object's metadata (get) and its parts' purge (delete)
        f"{API}.DIRECT.GET.{EXPORTS_STREAM}.>",
        f"{API}.CONSUMER.CREATE.{EXPORTS_STREAM}",
        f"{API}.CONSUMER.CREATE.{EXPORTS_STREAM}.>",
        f"{API}.CONSUMER.DELETE.{EXPORTS_STREAM}.*",
        f"$JS.FC.{EXPORTS_STREAM}.>",
    ]
    log_reads = [f"{API}.INFO", f"{API}.STREAM.MSG.GET.{EVENTS_STREAM}", f"{API}.DIRECT.GET.{EVENTS_STREAM}"]
    log_reads.append(f"{API}.STREAM.NAMES")  # nats-py finds an object's stream by name (reading an export)
    return [*managed, *log_reads, f"{API}.DIRECT.GET.{EVENTS_STREAM}.>", *buckets]


def service_permissions(service: str, durables: list[str]) -> Permissions:
    core = CORE.get(service, Core())
    consumers = [s for d in durables for s in [*consumer_api(EVENTS_STREAM, d), dead_letter_subject(d)]]
    publish = [*produced_subjects(service), *consumers, *platform_api(), *core.js_api, *core.publish]
    own = [f"{inbox_prefix(service)}.>", redrive_subject(service), sandbox_tools_subject(service)]
    return Permissions(tuple(publish), (*own, *core.subscribe), allow_responses=True)


def admin_permissions() -> Permissions:
    """The operator (``deskpilot`` commands, the supervisor, the demo tenant): everything."""
    return Permissions((">",), (">",), allow_responses=True)


def analytics_filter(tenant_id: str) -> str:
    """Every event of one tenant in the log, its conversations' (``dp.conv.<t>.…``) and tenant-wide ones
    (``dp.tenant.<t>.…``): the tenant is the third token of both (``libs/events/subjects.py``)."""
    if not is_subject_token(tenant_id):
        raise ValueError(f"tenant id {tenant_id!r} is not a valid id")
    return f"{ROOT}.*.{tenant_id}.>"


def analytics_deliver_subject(identity: str) -> str:
    """Where the push consumer made for one analytics credential delivers (no stream captures ``dp.analytics``)."""
    return f"{ROOT}.analytics.{identity}"


def analytics_permissions(identity: str) -> Permissions:
    """Read-only, one tenant: subscribe to the subject its consumer (made by the operator, filtered to the tenant)
    delivers to, and nothing else; publish nothing, not even a JetStream API request. NATS does not check a
    request's reply subject, so any request would let the client have the server publish the answer on a subject
    of its choosing, into the log included (decision 0043)."""
    return Permissions((), (analytics_deliver_subject(identity),))


def derive() -> dict[str, Permissions]:
    """Every service's permissions, from the catalog and the subscriptions of its app as ``deskpilot up`` builds it."""
    from deskpilot.architecture_docs import service_views  # builds the apps: only when regenerating or checking

    return {
        view.name: service_permissions(
            view.name, [view.runtime.consumers.durable(s) for s in view.runtime.subscriptions]
        )
        for view in service_views()
    }


def render(permissions: dict[str, Permissions]) -> str:
    return json.dumps({name: p.as_json() for name, p in permissions.items()}, indent=2) + "\n"


def generated() -> dict[str, Permissions]:
    """The services' permissions as last generated (``deskpilot/nats_permissions.json``)."""
    data = json.loads(GENERATED.read_text())
    return {
        name: Permissions(tuple(p["publish"]), tuple(p["subscribe"]), bool(p["allow_responses"]))
        for name, p in data.items()
    }


if __name__ == "__main__":
    GENERATED.write_text(render(derive()))
    sys.stdout.write(f"wrote {GENERATED}\n")
