"""The ``deskpilot`` command.

    deskpilot up [--port 8000] [--data-dir .deskpilot]   the whole platform on one machine
    deskpilot serve <service> [--port N]                  one service process (what Kubernetes runs); ``web``: the
                                                          web front end (widget, inbox, console)
    deskpilot tenants create NAME                         a new tenant; prints its id and API key
    deskpilot replay <conversation-id>                    rebuild a transcript from the log; compare with the view
    deskpilot billing rebuild [--tenant T] [--check]      recompute the ledger from the log; compare with the live one
    deskpilot integrations rotate-keys                    re-wrap tenant vault keys with the newest master key

``NATS_URL`` and ``DATABASE_URL`` select the servers; without them, commands other than ``up`` use those of the
platform that ``up`` is running from the same data dir.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import sys
from pathlib import Path

import nats

from deskpilot.supervisor import DEV_VAULT_KEY_FILE, SERVICES, VAULT_MASTER_KEYS, WEB
from libs.events import EventLog

DEFAULT_DATA_DIR = Path(os.environ.get("DESKPILOT_DATA_DIR", ".deskpilot"))


def _url(name: str, data_dir: Path) -> str:
    """``NATS_URL`` / ``DATABASE_URL`` from the environment, else from the platform ``up`` runs in ``data_dir``."""
    value = os.environ.get(name, "")
    runtime = data_dir / "runtime.json"
    if not value and runtime.exists():
        value = json.loads(runtime.read_text())[name.lower()]
    if not value:
        raise SystemExit(f"set {name}, or start the platform with 'deskpilot up --data-dir {data_dir}' first")
    return value


def serve(service: str, host: str, port: int) -> int:
    import uvicorn

    level = os.environ.get("DESKPILOT_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=level, format=f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s")
    # The HTTP client logs every request URL at INFO; provider URLs can carry secrets (an OAuth code, a token).
    logging.getLogger("httpx2").setLevel(max(logging.WARNING, logging.getLogger().level))
    module = importlib.import_module("web.app" if service == WEB else f"services.{service}.app")
    app = module.create_app()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    return 0


async def _create_tenant(name: str, data_dir: Path) -> None:
    from deskpilot.tenants import create_tenant

    nc = await nats.connect(_url("NATS_URL", data_dir))
    try:
        log = EventLog(nc)
        await log.ensure_streams(int(os.environ.get("DESKPILOT_STREAM_REPLICAS", "1")))
        tenant = await create_tenant(log, name)
    finally:
        await nc.close()
    print(f"tenant id: {tenant.tenant_id}")
    print(f"api key: {tenant.api_key}")
    print("Keep the key: only its digest is stored.")


async def _replay(conversation_id: str, data_dir: Path) -> int:
    from libs.events import decode
    from libs.events.subjects import CONVERSATION_PREFIX
    from libs.platform.db import Database
    from services.conversation import service
    from services.conversation.repository import ConversationRepository

    nc = await nats.connect(_url("NATS_URL", data_dir))
    db = Database(_url("DATABASE_URL", data_dir), schema="conversation")
    try:
        log = EventLog(nc)
        first = await log.read_raw(f"{CONVERSATION_PREFIX}.*.{conversation_id}.conversation.started")
        if not first:
            print(f"no conversation {conversation_id} in the event log")
            return 1
        tenant_id = decode(first[0][1]).tenant_id
        async with db.session() as session:
            try:
                report = await service.replay(log, ConversationRepository(session), tenant_id, conversation_id)
            except service.ConversationNotFound:
                print(f"conversation {conversation_id} is in the event log but not in the stored view (yet)")
                return 2
    finally:
        await nc.close()
        await db.close()
    print(f"conversation {conversation_id} (tenant {tenant_id}): {report.events} events, version {report.version}")
    for entry in report.transcript:
        print(f"  [{entry.position}] {entry.role}: {entry.text}")
    if report.matches:
        print(f"replay matches the stored view ({report.stored_entries} transcript entries)")
        return 0
    print("replay DIFFERS from the stored view:")
    for line in report.differences:
        print(f"  - {line}")
    return 2


async def _billing_rebuild(tenant_id: str | None, check: bool, data_dir: Path) -> int:
    from decimal import Decimal

    from libs.platform.db import Database
    from services.billing.rebuild import rebuild_and_compare
    from services.billing.repository import LedgerRepository

    nc = await nats.connect(_url("NATS_URL", data_dir))
    db = Database(_url("DATABASE_URL", data_dir), schema="billing")
    try:
        async with db.session() as session:
            report = await rebuild_and_compare(EventLog(nc), LedgerRepository(session), tenant_id)
    finally:
        await nc.close()
        await db.close()
    rebuilt = report.rebuilt
    total = sum((e.cost_usd for e in rebuilt.entries.values()), start=Decimal(0))
    scope = f"tenant {tenant_id}" if tenant_id else "all tenants"
    print(f"rebuilt {scope} from {report.events} events ({report.skipped} undecodable skipped):")
    print(f"  {len(rebuilt.entries)} ledger entries, total ${total}, {len(rebuilt.turns)} turns")
    print(f"  {len(rebuilt.meters)} metered conversations, {len(rebuilt.active)} conversation-months active")
    if report.matches:
        print("rebuild matches the live ledger exactly")
        return 0
    print(f"rebuild DIFFERS from the live ledger ({len(report.differences)} differences shown):")
    for line in report.differences:
        print(f"  - {line}")
    return 1 if check else 0


async def _rotate_vault_keys(data_dir: Path) -> int:
    from libs.platform.db import Database
    from services.integrations.vault import EnvKeyProvider, Vault, rotate_master_key

    keys = os.environ.get(VAULT_MASTER_KEYS, "")
    dev_file = data_dir / DEV_VAULT_KEY_FILE
    if not keys and dev_file.exists():
        keys = dev_file.read_text().strip()
    if not keys:
        print(f"set {VAULT_MASTER_KEYS} (newest key first, keep the older ones listed until this finishes)")
        return 2
    db = Database(_url("DATABASE_URL", data_dir), schema="integrations")
    try:
        report = await rotate_master_key(db.sessions, Vault(EnvKeyProvider.parse(keys)))
    finally:
        await db.close()
    print(f"re-wrapped {report.rewrapped} tenant data keys under master key {report.current_version}")
    if report.failed:
        print(f"{len(report.failed)} tenants' data keys unwrap with no configured master key, left unchanged:")
        for tenant_id in report.failed:
            print(f"  - {tenant_id}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="deskpilot", description="Deskpilot AI customer-support platform")
    sub = parser.add_subparsers(dest="command", required=True)

    p_up = sub.add_parser("up", help="run the whole platform on this machine")
    p_up.add_argument("--host", default=os.environ.get("DESKPILOT_HTTP_HOST", "127.0.0.1"))
    p_up.add_argument("--port", type=int, default=int(os.environ.get("DESKPILOT_HTTP_PORT", "8000")))
    p_up.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    p_serve = sub.add_parser("serve", help="run one service, or the web front end")
    p_serve.add_argument("service", choices=(*SERVICES, WEB))
    p_serve.add_argument("--host", default=os.environ.get("DESKPILOT_HTTP_HOST", "0.0.0.0"))
    p_serve.add_argument("--port", type=int, default=int(os.environ.get("DESKPILOT_HTTP_PORT", "8000")))

    p_ten = sub.add_parser("tenants", help="manage tenants")
    ten_sub = p_ten.add_subparsers(dest="action", required=True)
    p_create = ten_sub.add_parser("create", help="create a tenant and print its API key")
    p_create.add_argument("name")
    p_create.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    p_replay = sub.add_parser("replay", help="rebuild a conversation from its event log")
    p_replay.add_argument("conversation_id")
    p_replay.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    p_billing = sub.add_parser("billing", help="billing operations")
    billing_sub = p_billing.add_subparsers(dest="action", required=True)
    p_rebuild = billing_sub.add_parser("rebuild", help="recompute the ledger and meters from the event log")
    p_rebuild.add_argument("--tenant", default=None, help="only this tenant (default: all)")
    p_rebuild.add_argument("--check", action="store_true", help="exit with status 1 if the live ledger differs")
    p_rebuild.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    p_integrations = sub.add_parser("integrations", help="integrations operations")
    integrations_sub = p_integrations.add_subparsers(dest="action", required=True)
    p_rotate = integrations_sub.add_parser(
        "rotate-keys", help="re-wrap every tenant's vault data key with the newest master key (no downtime)"
    )
    p_rotate.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)

    args = parser.parse_args(argv)
    if args.command == "up":
        from deskpilot.supervisor import up

        return up(args.host, args.port, args.data_dir)
    if args.command == "serve":
        return serve(args.service, args.host, args.port)
    if args.command == "tenants":
        asyncio.run(_create_tenant(args.name, args.data_dir))
        return 0
    if args.command == "replay":
        return asyncio.run(_replay(args.conversation_id, args.data_dir))
    if args.command == "billing":
        return asyncio.run(_billing_rebuild(args.tenant, args.check, args.data_dir))
    if args.command == "integrations":
        return asyncio.run(_rotate_vault_keys(args.data_dir))
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
