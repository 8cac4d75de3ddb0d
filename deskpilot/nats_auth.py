"""The NATS server's side of authorization (decision 0043): nkeys, the server's ``authorization`` block, and
read-only analytics credentials.

A *NATS auth directory* holds what one server's authorization is made of:

    credentials/<identity>.nk   the seed of each service and of ``admin`` (mode 600; the clients' side)
    analytics.json              the analytics credentials issued so far (tenant, consumer, public key; no seed)
    auth.conf                   the server's ``accounts`` block: public keys and permissions, no secret
    auth.helm.json              the same, as values of the NATS Helm chart (``config.merge``)

Two accounts (decision 0051): the streams live in ``LOG``, the only account with JetStream; every client (services,
operator, analytics) is a user of ``SERVICES``, which imports the JetStream API and the streams' subjects from
``LOG`` as *services*. A JetStream answer goes back to the requester's account through the import's response
mapping, so whatever reply subject a request names, the answer is published in ``SERVICES`` and never reaches a
stream: NATS does not check reply subjects against publish permissions (tried: with one account, a direct get
answered on ``dp.tenant.<t>.api_key.revoked`` was stored as that event).

``deskpilot up`` keeps it in ``<data-dir>/nats`` for its embedded server (``deskpilot/embedded.py`` includes
``auth.conf``); ``deskpilot nats-config DIR`` writes one for a server run elsewhere (docker-compose, Kubernetes).
Permissions come from ``deskpilot/nats_permissions.py``. The seeds are made here with the ``nkeys`` package;
a seed never leaves this directory except to the one process (or Secret) it belongs to.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import nkeys
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from deskpilot.nats_permissions import (
    Permissions,
    admin_permissions,
    analytics_deliver_subject,
    analytics_filter,
    analytics_permissions,
    generated,
)
from libs.events import new_id
from libs.events.streams import dead_letter_stream, events_stream
from libs.platform.nats_auth import ADMIN, seed_file

AUTH_CONF = "auth.conf"
HELM_VALUES = "auth.helm.json"
ANALYTICS = "analytics.json"
CREDENTIALS = "credentials"
LOG_ACCOUNT = "LOG"  # the streams' account: JetStream keeps its data in <store_dir>/jetstream/LOG
CLIENTS_ACCOUNT = "SERVICES"
GLOBAL_ACCOUNT = "$G"  # where the streams were before decision 0051 (one account, no ``accounts`` block)


def new_seed() -> str:
    """A new user nkey's seed (``SU…``)."""
    seed: bytes = nkeys.encode_seed(os.urandom(32), nkeys.PREFIX_BYTE_USER)
    return seed.decode()


def public_key(seed: str) -> str:
    """The public key (``U…``) of a user seed: all the server ever learns of it."""
    key: bytes = nkeys.from_seed(bytearray(seed.encode())).public_key
    return key.decode()


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


@dataclass(frozen=True)
class AnalyticsCredential:
    """A read-only credential for one tenant's events: the consumer made for it, and its public key."""

    id: str
    tenant_id: str
    public_key: str
    revoked_at: str | None = None  # kept in analytics.json for the record; no longer in auth.conf

    @property
    def consumer(self) -> str:
        return self.id  # ``analytics_<uuid>``: no service consumer is named so

    @property
    def deliver_subject(self) -> str:
        return analytics_deliver_subject(self.id)

    @property
    def permissions(self) -> Permissions:
        return analytics_permissions(self.id)

    def consumer_config(self) -> ConsumerConfig:
        """A durable push consumer of the tenant's events from the start of the log, made by the operator: the
        credential cannot make, change or acknowledge one (that would take JetStream API requests). Delivery is at
        most once (no acknowledgements); it holds while nobody listens and resumes after the last delivered."""
        return ConsumerConfig(
            name=self.consumer,
            durable_name=self.consumer,
            description=f"analytics credential {self.id} of tenant {self.tenant_id} (deskpilot analytics-credentials)",
            deliver_subject=self.deliver_subject,
            filter_subject=analytics_filter(self.tenant_id),
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.NONE,
        )

    def client_file(self, seed: str) -> dict[str, str]:
        """What the analytics consumer needs (``examples/analytics_consumer.py --credentials FILE``)."""
        return {
            "tenant_id": self.tenant_id,
            "consumer": self.consumer,
            "deliver_subject": self.deliver_subject,
            "filter_subject": analytics_filter(self.tenant_id),
            "nkey_seed": seed,
        }


def _user(key: str, permissions: Permissions) -> dict[str, object]:
    allowed: dict[str, object] = {
        # an empty allow list would allow everything: nothing to publish is said with a deny of everything
        "publish": {"allow": list(permissions.publish)} if permissions.publish else {"deny": [">"]},
        "subscribe": {"allow": list(permissions.subscribe)},
    }
    if permissions.allow_responses:
        allowed["allow_responses"] = True
    return {"nkey": key, "permissions": allowed}


def log_exports() -> tuple[list[dict[str, object]], list[str]]:
    """What ``LOG`` exports as services (request in ``SERVICES``, answer mapped back there) and as streams
    (messages JetStream publishes in ``LOG`` for the clients: push consumers' deliveries to a client's inbox,
    analytics deliveries). No stream of ``LOG`` captures ``_INBOX`` or ``dp.analytics``; ``SERVICES`` exports
    nothing to ``LOG``, so nothing published in ``SERVICES`` (an answer included) reaches a stream but through a
    service import, whose answers stay in ``SERVICES``."""
    appended = [*(events_stream().subjects or []), *(dead_letter_stream().subjects or [])]
    # the JetStream API answers a pull request or a batched direct get with many messages: a stream of responses
    services: list[dict[str, object]] = [{"service": "$JS.API.>", "response_type": "stream"}]
    services += [{"service": subject} for subject in ("$JS.ACK.>", "$JS.FC.>", "$KV.>", "$O.>", *appended)]
    return services, ["_INBOX.>", analytics_deliver_subject("*")]


def accounts(users: list[dict[str, object]]) -> dict[str, object]:
    """The server's ``accounts`` block: ``LOG`` with JetStream and its exports, ``SERVICES`` with every user."""
    services, streams = log_exports()
    exports = [*services, *({"stream": s} for s in streams)]
    imports = [{"service": {"account": LOG_ACCOUNT, "subject": e["service"]}} for e in services]
    imports += [{"stream": {"account": LOG_ACCOUNT, "subject": s}} for s in streams]
    return {
        LOG_ACCOUNT: {"jetstream": "enabled", "exports": exports},
        CLIENTS_ACCOUNT: {"users": users, "imports": imports},
    }


class NatsAuthDirectory:
    """One server's authorization, kept in ``directory`` (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.credentials = directory / CREDENTIALS
        self.auth_conf = directory / AUTH_CONF

    def ensure_seeds(self, identities: Iterable[str]) -> dict[str, str]:
        """Each identity's public key; its seed is made the first time (kept across restarts)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self.credentials.mkdir(mode=0o700, exist_ok=True)
        keys: dict[str, str] = {}
        for identity in identities:
            path = seed_file(self.credentials, identity)
            if not path.exists():
                _write_secret(path, new_seed() + "\n")
            keys[identity] = public_key(path.read_text().strip())
        return keys

    def analytics(self) -> list[AnalyticsCredential]:
        path = self.dir / ANALYTICS
        return [AnalyticsCredential(**c) for c in json.loads(path.read_text())] if path.exists() else []

    def write(self) -> Path:
        """Write ``auth.conf``: the two accounts; every service, the operator and each analytics credential, with its
        permissions, are users of ``SERVICES``."""
        services = generated()
        keys = self.ensure_seeds([*services, ADMIN])
        users = [_user(keys[name], permissions) for name, permissions in services.items()]
        users.append(_user(keys[ADMIN], admin_permissions()))
        users += [_user(c.public_key, c.permissions) for c in self.analytics() if c.revoked_at is None]
        block = accounts(users)
        self.auth_conf.write_text(
            "# Generated by deskpilot/nats_auth.py from deskpilot/nats_permissions.json; do not edit.\n"
            f"accounts {json.dumps(block, indent=2)}\n"
        )
        # the same block as values of the NATS Helm chart (helm … -f auth.helm.json; JSON is YAML)
        helm = {"config": {"merge": {"accounts": block}}}
        (self.dir / HELM_VALUES).write_text(json.dumps(helm, indent=2) + "\n")
        return self.auth_conf

    def issue_analytics(self, tenant_id: str) -> tuple[AnalyticsCredential, str]:
        """A new analytics credential for ``tenant_id`` (and its seed, which is not kept); rewrites ``auth.conf``."""
        analytics_filter(tenant_id)  # a valid tenant id, before anything is written
        seed = new_seed()
        credential = AnalyticsCredential(new_id("analytics"), tenant_id, public_key(seed))
        self._keep([*self.analytics(), credential])
        return credential, seed

    def revoke_analytics(self, credential_id: str) -> AnalyticsCredential:
        """Take ``credential_id`` out of ``auth.conf`` (kept in ``analytics.json``, marked revoked). Once the server
        has reloaded, it refuses the key and closes the connections that used it (decision 0047)."""
        issued = self.analytics()
        found = [c for c in issued if c.id == credential_id]
        if not found:
            raise LookupError(f"no analytics credential {credential_id!r} in {self.dir / ANALYTICS}")
        revoked = replace(found[0], revoked_at=found[0].revoked_at or datetime.now(UTC).isoformat(timespec="seconds"))
        self._keep([revoked if c.id == credential_id else c for c in issued])
        return revoked

    def _keep(self, credentials: list[AnalyticsCredential]) -> None:
        (self.dir / ANALYTICS).write_text(json.dumps([asdict(c) for c in credentials], indent=2) + "\n")
        self.write()


def reload_server(pid: int) -> None:
    """Ask a running nats-server to re-read its configuration (new credentials); connections stay up."""
    os.kill(pid, signal.SIGHUP)
