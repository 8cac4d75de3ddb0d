"""``deskpilot projections rebuild [SERVICE] [--tenant T] [--check]``: every read model rebuilt from the event log
by the services' own folds and compared with its live table, row by row (the services' ``ops.check_projections``).

Exit status: 0 when every table matches (or without ``--check``), 1 with ``--check`` when any row differs; each
difference names its row (``<service>.<table>[<key>]``). The rebuild is read-only: it never writes the live tables.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from nats.aio.client import Client as NATS

from libs.platform import nats_auth
from libs.platform.projections import ProjectionCheck

REBUILDABLE = ("conversation", "billing")
"""Services whose read models rebuild from the log (``services.<name>.ops.check_projections``)."""

Check = Callable[[NATS, str, str | None], Awaitable[list[ProjectionCheck]]]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: Path) -> None:
    p_projections = sub.add_parser("projections", help="read models rebuilt from the event log")
    projections_sub = p_projections.add_subparsers(dest="action", required=True)
    p = projections_sub.add_parser(
        "rebuild", help="rebuild every read model (or one service's) from the log and compare with the live tables"
    )
    p.add_argument("service", nargs="?", choices=REBUILDABLE, help="only this service's read models")
    p.add_argument("--tenant", help="only this tenant's rows")
    p.add_argument("--check", action="store_true", help="exit 1 when any row differs")
    p.add_argument("--data-dir", type=Path, default=data_dir)


def run(args: argparse.Namespace, nats_url: str, database_url: str) -> int:
    checks = asyncio.run(
        check_all(nats_url, database_url, (args.service,) if args.service else REBUILDABLE, args.tenant)
    )
    differing = 0
    for check in checks:
        verdict = "matches" if check.matches else f"DIFFERS ({len(check.differences)} shown)"
        print(
            f"{check.name}: {check.rebuilt_rows} rows rebuilt from {check.events} events, "
            f"{check.live_rows} live: {verdict}"
        )
        for line in check.differences:
            print(f"  - {line}")
        differing += not check.matches
    if differing:
        print(f"{differing} of {len(checks)} read models differ from the log")
    return 1 if differing and args.check else 0


async def check_all(
    nats_url: str, database_url: str, services: tuple[str, ...], tenant_id: str | None
) -> list[ProjectionCheck]:
    nc = await nats_auth.connect(nats_url)
    try:
        checks: list[ProjectionCheck] = []
        for service in services:
            check: Check = importlib.import_module(f"services.{service}.ops").check_projections
            checks.extend(await check(nc, database_url, tenant_id))
        return checks
    finally:
        await nc.close()
