"""How a process authenticates to NATS (decision 0043): one nkey per identity, and an inbox of its own.

An identity is a service's name, ``admin`` (the operator's ``deskpilot`` commands and the supervisor) or an
analytics credential's id. Its seed is the file ``<identity>.nk`` in ``NATS_CREDENTIALS_DIR`` (Kubernetes mounts
each service's Secret there; ``deskpilot up`` generates them in ``<data-dir>/nats/credentials``); the server knows
only the public keys and each identity's permissions (``deskpilot/nats_auth.py`` writes that configuration).

Replies (request/reply, JetStream API answers, pull consumers' messages) arrive on ``_INBOX.<identity>.…``, so the
server can let an identity subscribe to its own replies only: a subscription to ``_INBOX.>`` would receive every
other client's, including JetStream deliveries of every tenant's events. Without ``NATS_CREDENTIALS_DIR`` a client
connects without credentials, as to a server that requires none (a developer's own nats-server).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NATS

CREDENTIALS_DIR = "NATS_CREDENTIALS_DIR"
ADMIN = "admin"


def nats_servers(url: str) -> list[str]:
    """``NATS_URL`` as a list of servers: one URL, or several separated by commas (the nodes of a cluster)."""
    return [u.strip() for u in url.split(",") if u.strip()]


def inbox_prefix(identity: str) -> str:
    """Where ``identity`` receives its replies: the only ``_INBOX`` subjects it may subscribe to."""
    return f"_INBOX.{identity}"


def seed_file(directory: Path, identity: str) -> Path:
    return directory / f"{identity}.nk"


def connect_options(identity: str, environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """The nats-py ``connect`` options that authenticate ``identity``: its seed and its inbox prefix; none when
    ``NATS_CREDENTIALS_DIR`` is not set. A directory without this identity's seed is an error, said at once."""
    directory = environ.get(CREDENTIALS_DIR, "").strip()
    if not directory:
        return {}
    path = seed_file(Path(directory), identity)
    if not path.is_file():
        raise FileNotFoundError(
            f"{CREDENTIALS_DIR}={directory} holds no NATS credential for {identity!r} ({path.name})"
        )
    return {"nkeys_seed_str": path.read_text().strip(), "inbox_prefix": inbox_prefix(identity)}


async def connect(url: str, identity: str = ADMIN, **options: Any) -> NATS:
    """Connect to ``NATS_URL`` as ``identity`` (the operator by default, as the ``deskpilot`` commands do)."""
    return await nats.connect(nats_servers(url), **connect_options(identity), **options)
