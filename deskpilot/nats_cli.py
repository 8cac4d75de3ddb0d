"""``deskpilot analytics-credentials`` and ``deskpilot nats-config`` (docs/analytics.md, docs/operations.md).

    deskpilot analytics-credentials TENANT [--out FILE]   a read-only NATS credential for one tenant's events
    deskpilot nats-config DIR                             the NATS authorization for a server run elsewhere

Both work on a NATS auth directory (``deskpilot/nats_auth.py``): by default the one of the embedded server that
``deskpilot up`` runs from ``--data-dir``, which is asked to reload at once; ``--nats-dir`` names another (the one
``nats-config`` wrote for docker-compose or Kubernetes), whose server must then be reloaded by its operator. An
analytics credential's consumer is made here, as the operator (``NATS_URL``, or that of ``deskpilot up``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from pathlib import Path

from deskpilot.nats_auth import AnalyticsCredential, NatsAuthDirectory, reload_server
from libs.events.streams import EVENTS_STREAM
from libs.platform import nats_auth

COMMANDS = ("analytics-credentials", "nats-config")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: Path) -> None:
    p_an = sub.add_parser(
        "analytics-credentials",
        help="issue a read-only NATS credential limited to one tenant's events (for an analytics consumer)",
    )
    p_an.add_argument("tenant_id")
    p_an.add_argument("--out", type=Path, help="the credential file to write (default: ./<credential id>.json)")
    p_an.add_argument("--nats-dir", type=Path, help="a NATS auth directory (default: that of 'deskpilot up')")
    p_an.add_argument("--data-dir", type=Path, default=data_dir)

    p_conf = sub.add_parser("nats-config", help="write the NATS authorization (auth.conf, nkeys) for a NATS server")
    p_conf.add_argument("directory", type=Path)


def _embedded(data_dir: Path) -> dict[str, object]:
    runtime = data_dir / "runtime.json"
    return json.loads(runtime.read_text()) if runtime.exists() else {}


def analytics_credentials(args: argparse.Namespace) -> int:
    running = _embedded(args.data_dir)
    nats_dir = args.nats_dir or Path(str(running.get("nats_dir") or args.data_dir / "nats"))
    auth = NatsAuthDirectory(nats_dir)
    nats_url = os.environ.get("NATS_URL") or str(running.get("nats_url") or "")
    if not auth.auth_conf.exists() or not nats_url:
        print(f"no NATS authorization in {nats_dir}, or no NATS_URL: run 'deskpilot up' or 'deskpilot nats-config'")
        return 1
    if running.get("nats_credentials_dir") and not os.environ.get("NATS_URL"):
        os.environ[nats_auth.CREDENTIALS_DIR] = str(running["nats_credentials_dir"])  # that server's operator
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
    pid = running.get("nats_pid")
    if isinstance(pid, int) and Path(str(running.get("nats_dir"))) == nats_dir:
        reload_server(pid)
        print("  the embedded NATS server reloaded its authorization: the credential works now")
    else:
        print(f"  reload the NATS server with {auth.auth_conf} (nats-server --signal reload) before using it")
    return 0


async def _make_consumer(nats_url: str, credential: AnalyticsCredential) -> None:
    """The credential's consumer, made by the operator (the credential itself may not use the JetStream API)."""
    nc = await nats_auth.connect(nats_url)
    try:
        await nc.jetstream().add_consumer(EVENTS_STREAM, credential.consumer_config())
    finally:
        await nc.close()


def nats_config(args: argparse.Namespace) -> int:
    auth = NatsAuthDirectory(args.directory)
    written = auth.write()
    print(f"wrote {written} (include it in the server's configuration) and the seeds in {auth.credentials}:")
    print("  give each service only its own <service>.nk (NATS_CREDENTIALS_DIR); keep admin.nk for the operator")
    return 0


def run(args: argparse.Namespace) -> int:
    return analytics_credentials(args) if args.command == "analytics-credentials" else nats_config(args)
