"""``deskpilot analytics-credentials`` and ``deskpilot nats-config`` (docs/analytics.md, docs/operations.md).

    deskpilot analytics-credentials TENANT [--out FILE]   a read-only NATS credential for one tenant's events
    deskpilot analytics-credentials list                  the credentials issued (and revoked)
    deskpilot analytics-credentials revoke ID             the server refuses it from its next reload on
    deskpilot nats-config DIR                             the NATS authorization for a server run elsewhere
    deskpilot nats-move-streams STORE_DIR                 a store from before decision 0051: its streams to LOG

Both work on a NATS auth directory (``deskpilot/nats_auth.py``): by default the one of the embedded server that
``deskpilot up`` runs from ``--data-dir``, which is asked to reload at once; ``--nats-dir`` names another (the one
``nats-config`` wrote for docker-compose or Kubernetes), whose server must then be reloaded by its operator. An
analytics credential's consumer is made here, as the operator (``NATS_URL``, or that of ``deskpilot up``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path

from nats.js.errors import NotFoundError

from deskpilot.embedded import StreamsInBothAccounts, move_streams_to_log_account
from deskpilot.nats_auth import AnalyticsCredential, NatsAuthDirectory, reload_server
from libs.events.streams import EVENTS_STREAM
from libs.platform import nats_auth

COMMANDS = ("analytics-credentials", "nats-config", "nats-move-streams")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: Path) -> None:
    p_an = sub.add_parser(
        "analytics-credentials",
        help="issue a read-only NATS credential limited to one tenant's events (for an analytics consumer)",
    )
    p_an.add_argument("tenant_id", metavar="TENANT|list|revoke", help="a tenant id, or list, or revoke ID")
    p_an.add_argument("credential", nargs="?", help="with revoke: the credential's id (analytics_…)")
    p_an.add_argument("--out", type=Path, help="the credential file to write (default: ./<credential id>.json)")
    p_an.add_argument("--nats-dir", type=Path, help="a NATS auth directory (default: that of 'deskpilot up')")
    p_an.add_argument("--data-dir", type=Path, default=data_dir)

    p_conf = sub.add_parser("nats-config", help="write the NATS authorization (auth.conf, nkeys) for a NATS server")
    p_conf.add_argument("directory", type=Path)

    p_move = sub.add_parser(
        "nats-move-streams",
        help="move a JetStream store's streams from the account $G to LOG (decision 0051), with NATS stopped",
    )
    p_move.add_argument("store", type=Path, help="the server's store_dir (docker-compose: /data)")


def _embedded(data_dir: Path) -> dict[str, object]:
    runtime = data_dir / "runtime.json"
    return json.loads(runtime.read_text()) if runtime.exists() else {}


def _operator(args: argparse.Namespace) -> tuple[NatsAuthDirectory, str, dict[str, object]] | None:
    """The NATS auth directory, the server's URL and ``deskpilot up``'s runtime, with the operator's credential."""
    running = _embedded(args.data_dir)
    nats_dir = args.nats_dir or Path(str(running.get("nats_dir") or args.data_dir / "nats"))
    auth = NatsAuthDirectory(nats_dir)
    nats_url = os.environ.get("NATS_URL") or str(running.get("nats_url") or "")
    if not auth.auth_conf.exists() or not nats_url:
        print(f"no NATS authorization in {nats_dir}, or no NATS_URL: run 'deskpilot up' or 'deskpilot nats-config'")
        return None
    if running.get("nats_credentials_dir") and not os.environ.get("NATS_URL"):
        os.environ[nats_auth.CREDENTIALS_DIR] = str(running["nats_credentials_dir"])  # that server's operator
    return auth, nats_url, running


def _reload(auth: NatsAuthDirectory, running: dict[str, object], done: str) -> None:
    pid = running.get("nats_pid")
    if isinstance(pid, int) and Path(str(running.get("nats_dir"))) == auth.dir:
        reload_server(pid)
        print(f"  the embedded NATS server reloaded its authorization: {done}")
    else:
        print(f"  reload the NATS server with {auth.auth_conf} (nats-server --signal reload) for it to take effect")


def analytics_credentials(args: argparse.Namespace) -> int:
    if args.tenant_id == "list":
        return list_credentials(NatsAuthDirectory(_nats_dir(args)))
    operator = _operator(args)
    if operator is None:
        return 1
    if args.tenant_id == "revoke":
        return revoke_credential(args.credential, *operator)
    auth, nats_url, running = operator
    try:
        credential, seed = auth.issue_analytics(args.tenant_id)
    except ValueError as exc:
        print(f"deskpilot analytics-credentials: {exc}")
        return 2
    asyncio.run(_make_consumer(nats_url, credential))
    out: Path = args.out or Path(f"{credential.id}.json")
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(credential.client_file(seed), f, indent=2)
    print(f"credential {credential.id} for tenant {credential.tenant_id} written to {out} (mode 600; keep it secret)")
    print(f"  its consumer {credential.consumer} delivers the tenant's events to {credential.deliver_subject}")
    _reload(auth, running, "the credential works now")
    return 0


def _nats_dir(args: argparse.Namespace) -> Path:
    return Path(args.nats_dir or str(_embedded(args.data_dir).get("nats_dir") or args.data_dir / "nats"))


def list_credentials(auth: NatsAuthDirectory) -> int:
    for c in auth.analytics():
        state = f"revoked {c.revoked_at}" if c.revoked_at else "active"
        print(f"{c.id}  tenant {c.tenant_id}  {state}")
    return 0


def revoke_credential(
    credential_id: str | None, auth: NatsAuthDirectory, nats_url: str, running: dict[str, object]
) -> int:
    """Out of ``auth.conf``, its consumer deleted (no delivery even to a connection the reload has yet to close)."""
    if not credential_id:
        print("deskpilot analytics-credentials revoke: which credential? (deskpilot analytics-credentials list)")
        return 2
    try:
        credential = auth.revoke_analytics(credential_id)
    except LookupError as exc:
        print(f"deskpilot analytics-credentials: {exc}")
        return 2
    asyncio.run(_delete_consumer(nats_url, credential))
    print(f"credential {credential.id} of tenant {credential.tenant_id} revoked; its consumer deleted")
    _reload(auth, running, "it is refused and its connections closed")
    return 0


async def _make_consumer(nats_url: str, credential: AnalyticsCredential) -> None:
    """The credential's consumer, made by the operator (the credential itself may not use the JetStream API)."""
    nc = await nats_auth.connect(nats_url)
    try:
        await nc.jetstream().add_consumer(EVENTS_STREAM, credential.consumer_config())
    finally:
        await nc.close()


async def _delete_consumer(nats_url: str, credential: AnalyticsCredential) -> None:
    nc = await nats_auth.connect(nats_url)
    try:
        with contextlib.suppress(NotFoundError):  # revoked before, or deleted by hand
            await nc.jetstream().delete_consumer(EVENTS_STREAM, credential.consumer)
    finally:
        await nc.close()


def nats_config(args: argparse.Namespace) -> int:
    auth = NatsAuthDirectory(args.directory)
    written = auth.write()
    print(f"wrote {written} (include it in the server's configuration) and the seeds in {auth.credentials}:")
    print("  give each service only its own <service>.nk (NATS_CREDENTIALS_DIR); keep admin.nk for the operator")
    return 0


def move_streams(args: argparse.Namespace) -> int:
    """What ``deskpilot up`` does to its own data dir, for a server run elsewhere (docker-compose's nats-streams)."""
    try:
        moved = move_streams_to_log_account(args.store)
    except StreamsInBothAccounts as exc:
        print(f"deskpilot nats-move-streams: {exc}", file=sys.stderr)
        return 1
    print(f"{args.store}: " + ("streams moved to the account LOG (decision 0051)" if moved else "nothing to move"))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.command == "nats-move-streams":
        return move_streams(args)
    return analytics_credentials(args) if args.command == "analytics-credentials" else nats_config(args)
