"""``deskpilot privacy erase|export``: data-subject requests by the operator, through the conversation service's
``ops`` (the same path as ``POST /v1/privacy/erasures|exports``)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from libs.platform import nats_auth


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: Path) -> None:
    p_privacy = sub.add_parser("privacy", help="data-subject rights: erase or export a customer's data")
    privacy_sub = p_privacy.add_subparsers(dest="action", required=True)
    for action, help_text in (
        ("erase", "erase a customer: destroy their conversations' keys; every service redacts what it holds"),
        ("export", "export everything the platform holds about a customer (GET /v1/privacy/exports/<id>)"),
    ):
        p = privacy_sub.add_parser(action, help=help_text)
        p.add_argument("--tenant", required=True)
        who = p.add_mutually_exclusive_group(required=True)
        who.add_argument("--customer", help="the customer id conversations were opened with")
        who.add_argument("--email", help="the customer's e-mail address")
        who.add_argument("--conversation", action="append", help="a conversation id (repeat for several)")
        p.add_argument("--data-dir", type=Path, default=data_dir)


def run(args: argparse.Namespace, nats_url: str, database_url: str) -> int:
    return asyncio.run(_run(args, nats_url, database_url))


async def _run(args: argparse.Namespace, nats_url: str, database_url: str) -> int:
    from services.conversation import ops

    subject = ops.Subject(args.customer, args.email, tuple(args.conversation or ()))
    nc = await nats_auth.connect(nats_url)
    try:
        request_id, ids = await ops.request_privacy(nc, database_url, args.tenant, args.action, subject)
    finally:
        await nc.close()
    kind = "erasures" if args.action == "erase" else "exports"
    done = "keys destroyed; services redacting" if args.action == "erase" else "services preparing their parts"
    print(f"{request_id}: {len(ids)} conversations ({done})")
    print(f"  status: GET /v1/privacy/{kind}/{request_id}")
    return 0
