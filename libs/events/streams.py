"""The JetStream streams, declared in one place.

Durability choice (read this before changing it): JetStream acknowledges a publish once the message is written to
the file store, but by default fsyncs only every two minutes, so a power loss can lose acknowledged events (Jepsen,
NATS 2.12.1, Dec 2025). Deskpilot's embedded server and the shipped server configuration set
``sync_interval: always``: every acknowledged event is on disk. Measured on the reference 2-core machine this caps a
single sequential publisher at ~1.3k acked publishes/s instead of ~3k; a turn writes ~8 events, so the ceiling is far
above any one conversation's needs, and throughput scales with concurrent publishers. Operators who run an R3
cluster may relax it (replication then protects against single-node loss) — see docs/operations.md.

Records of money are *also* kept in PostgreSQL by billing; the log is their source, PostgreSQL their ledger.
"""

from __future__ import annotations

from datetime import timedelta

from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig

from libs.events.subjects import CONVERSATION_PREFIX, DLQ_PREFIX, TENANT_PREFIX

EVENTS_STREAM = "DP_EVENTS"
DEAD_LETTER_STREAM = "DP_DEAD_LETTERS"
KEYS_BUCKET = "DP_SUBJECT_KEYS"
KEYS_STREAM = f"KV_{KEYS_BUCKET}"  # the stream behind the key-value bucket, by JetStream's naming
EXPORTS_BUCKET = "DP_PRIVACY_EXPORTS"  # data-subject exports (libs/platform/privacy.py), an object store
EXPORTS_STREAM = f"OBJ_{EXPORTS_BUCKET}"
EXPORT_RETENTION = timedelta(days=7)

# Redelivered or retried publishes with the same event id within this window are dropped by the server.
DUPLICATE_WINDOW = timedelta(minutes=10)


def events_stream(replicas: int = 1) -> StreamConfig:
    """The append-only event log: file storage, nothing deleted or purged, full stream refuses new writes."""
    return StreamConfig(
        name=EVENTS_STREAM,
        description="Deskpilot event log: every conversation's and tenant's events, append-only",
        subjects=[f"{CONVERSATION_PREFIX}.>", f"{TENANT_PREFIX}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.NEW,
        deny_delete=True,
        deny_purge=True,
        allow_direct=True,
        duplicate_window=DUPLICATE_WINDOW.total_seconds(),
        num_replicas=replicas,
    )


def dead_letter_stream(replicas: int = 1) -> StreamConfig:
    """Messages no consumer could process, kept for inspection and re-drive."""
    return StreamConfig(
        name=DEAD_LETTER_STREAM,
        description="Deskpilot dead letters: poison or repeatedly failing messages, with the reason in headers",
        subjects=[f"{DLQ_PREFIX}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.NEW,
        deny_delete=True,
        deny_purge=False,
        allow_direct=True,  # a backup reads it in batches (libs/platform/stream_reads.py); redrive reads the leader
        num_replicas=replicas,
    )


def keys_stream(replicas: int = 1) -> StreamConfig:
    """Conversations' data keys, wrapped (key-value bucket): erasure replaces one with a tombstone and erases it."""
    return StreamConfig(
        name=KEYS_STREAM,
        description="Deskpilot conversation data keys, wrapped; erasure deletes them (secure erase)",
        subjects=[f"$KV.{KEYS_BUCKET}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.NEW,
        max_msgs_per_subject=2,
        allow_rollup_hdrs=True,
        allow_direct=True,
        deny_delete=False,
        deny_purge=False,
        num_replicas=replicas,
    )


def exports_stream(replicas: int = 1) -> StreamConfig:
    """Data-subject exports (an object store), made with the other streams by the operator."""
    # as nats-py's create_object_store makes it; declared here, not made lazily by the first export, because a
    # service may create a missing stream and could make this one with subjects of its choosing (decision 0044)
    return StreamConfig(
        name=EXPORTS_STREAM,
        description="Deskpilot data-subject exports, sealed per export",
        subjects=[f"$O.{EXPORTS_BUCKET}.C.>", f"$O.{EXPORTS_BUCKET}.M.>"],
        max_age=EXPORT_RETENTION.total_seconds(),
        max_bytes=-1,
        max_consumers=0,
        storage=StorageType.FILE,
        discard=DiscardPolicy.NEW,
        allow_rollup_hdrs=True,
        allow_direct=True,
        num_replicas=replicas,
    )


ALL_STREAMS = (events_stream, dead_letter_stream, keys_stream, exports_stream)
