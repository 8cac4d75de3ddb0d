"""``deskpilot projections rebuild [SERVICE] [--tenant T] [--check]``: every read model rebuilt from the event log
by the services' own folds and compared with its live table, row by row (the services' ``ops.check_projections``).

Exit status: 0 when every table matches (or without ``--check``), 1 with ``--check`` when any row differs or a
consumer of the service parked an event nobody re-drove yet (its read model is behind by that event, and a parked
event of an ordered consumer blocks nothing, so nothing else would say so); each difference names its row
(``<service>.<table>[<key>]``), each parked event its consumer, conversation and event. The rebuild is read-only:
it never writes the live tables.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from nats.aio.client import Client as NATS

from libs.platform import nats_auth
from libs.platform.dead_letters import DeadLetter, dead_letters
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
    services = (args.service,) if args.service else REBUILDABLE
    checks, behind = asyncio.run(check_all(nats_url, database_url, services, args.tenant))
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
    for letter in behind:
        print(behind_line(letter))
    if differing:
        print(f"{differing} of {len(checks)} read models differ from the log")
    if behind:
        print(f"{len(behind)} events parked by {', '.join(sorted({d.consumer for d in behind}))}: not applied")
    return 1 if (differing or behind) and args.check else 0


def behind_line(letter: DeadLetter) -> str:
    """What a parked event leaves out: which consumer, which event of which conversation, and how to apply it."""
    where = f"conversation {letter.conversation_id}" if letter.conversation_id else "no conversation"
    return (
        f"BEHIND: {letter.consumer} has not applied {letter.event_type or 'an undecodable event'} "
        f"{letter.event_id or '?'} at {letter.position} ({where}, tenant {letter.tenant_id or '?'}): {letter.reason}; "
        f"fix the cause, then `deskpilot dead-letters redrive --id {letter.id}`"
    )


async def check_all(
    nats_url: str, database_url: str, services: tuple[str, ...], tenant_id: str | None
) -> tuple[list[ProjectionCheck], list[DeadLetter]]:
    """Every read model of ``services`` compared with the log, and the events their consumers parked (not applied:
    the read model is behind by those, whatever the comparison says)."""
    nc = await nats_auth.connect(nats_url)
    try:
        checks: list[ProjectionCheck] = []
        for service in services:
            check: Check = importlib.import_module(f"services.{service}.ops").check_projections
            checks.extend(await check(nc, database_url, tenant_id))
        parked = await dead_letters(nc)
        behind = [d for d in parked if d.service in services and tenant_id in (None, d.tenant_id)]
        return checks, behind
    finally:
        await nc.close()
