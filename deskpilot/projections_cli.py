"""``deskpilot projections rebuild [SERVICE] [--tenant T] [--check]``: every read model rebuilt from the event log
by the services' own folds and compared with its live table, row by row (the services' ``ops.check_projections``);
without ``--check``, written over the live tables (``ops.repair_projections``: one transaction per service, under a
lock of its read model's tables that holds its writers, see docs/operations.md).

With ``--check`` nothing is written, and the exit status is 1 when any row differs or a consumer of the service
parked an event nobody re-drove yet (its read model is behind by that event, and a parked event of an ordered
consumer blocks nothing, so nothing else would say so); each difference names its row (``<service>.<table>[<key>]``),
each parked event its consumer, conversation and event. Without it the exit status is 1 when a service's read model
could not be repaired (it has parked events: re-drive them first; billing's consumer had not caught up; the tables
stayed busy): that service's differences are shown and nothing of it is written.
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
from libs.platform.projection_repair import RepairRefused
from libs.platform.projections import ProjectionCheck

REBUILDABLE = ("conversation", "billing")
"""Services whose read models rebuild from the log (``services.<name>.ops.check_projections`` and
``repair_projections``)."""

COVERED = (
    "Read models rebuilt: conversation (conversations, transcript_entries) and billing (ledger_entries, turn_usage, "
    "conversation_meters, active_conversations: what its reports and analytics read). Tickets, the integrations "
    "audit log and the vault are the services' own records, not projections of the log: never rebuilt."
)

Check = Callable[[NATS, str, str | None], Awaitable[list[ProjectionCheck]]]


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: Path) -> None:
    p_projections = sub.add_parser("projections", help="read models rebuilt from the event log")
    projections_sub = p_projections.add_subparsers(dest="action", required=True)
    p = projections_sub.add_parser(
        "rebuild",
        help="rebuild every read model (or one service's) from the log and write it over the live tables",
        description=f"Rebuild read models from the event log and compare them with the live tables; without --check "
        f"write the rebuilt rows over the live ones (one transaction per service). {COVERED}",
    )
    p.add_argument("service", nargs="?", choices=REBUILDABLE, help="only this service's read models")
    p.add_argument("--tenant", help="only this tenant's rows")
    p.add_argument("--check", action="store_true", help="compare only (write nothing); exit 1 when any row differs")
    p.add_argument("--data-dir", type=Path, default=data_dir)


def run(args: argparse.Namespace, nats_url: str, database_url: str) -> int:
    services = (args.service,) if args.service else REBUILDABLE
    checks, behind, refused = asyncio.run(
        rebuild_all(nats_url, database_url, services, args.tenant, repair=not args.check)
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
        if check.repaired:
            print(f"  repaired: {check.repaired} rows written from the log")
        differing += not check.matches
    for letter in behind:
        print(behind_line(letter))
    if differing:
        repaired = "" if args.check else f" ({sum(c.repaired is not None for c in checks if not c.matches)} repaired)"
        print(f"{differing} of {len(checks)} read models differ from the log{repaired}")
    if behind:
        print(f"{len(behind)} events parked by {', '.join(sorted({d.consumer for d in behind}))}: not applied")
    for line in refused:
        print(f"NOT REPAIRED: {line}")
    if args.check:
        return 1 if differing or behind else 0
    return 1 if refused else 0


def behind_line(letter: DeadLetter) -> str:
    """What a parked event leaves out: which consumer, which event of which conversation, and how to apply it."""
    where = f"conversation {letter.conversation_id}" if letter.conversation_id else "no conversation"
    return (
        f"BEHIND: {letter.consumer} has not applied {letter.event_type or 'an undecodable event'} "
        f"{letter.event_id or '?'} at {letter.position} ({where}, tenant {letter.tenant_id or '?'}): {letter.reason}; "
        f"fix the cause, then `deskpilot dead-letters redrive --id {letter.id}`"
    )


async def rebuild_all(
    nats_url: str, database_url: str, services: tuple[str, ...], tenant_id: str | None, *, repair: bool
) -> tuple[list[ProjectionCheck], list[DeadLetter], list[str]]:
    """Every read model of ``services`` compared with the log (and, with ``repair``, written over the live tables),
    the events their consumers parked (not applied: the read model is behind by those, whatever the comparison
    says), and why a service was not repaired. A service with parked events is not repaired: its consumer would
    apply them after the repair, and billing's would then not announce what they close."""
    nc = await nats_auth.connect(nats_url)
    try:
        parked = await dead_letters(nc)
        behind = [d for d in parked if d.service in services and tenant_id in (None, d.tenant_id)]
        checks: list[ProjectionCheck] = []
        refused: list[str] = []
        for service in services:
            ops = importlib.import_module(f"services.{service}.ops")
            check: Check = ops.check_projections
            waiting = sum(d.service == service for d in behind)
            if repair and waiting:
                refused.append(f"{service}: {waiting} parked events: re-drive them (or drop them) first")
            elif repair:
                try:
                    checks.extend(await ops.repair_projections(nc, database_url, tenant_id))
                    continue
                except RepairRefused as exc:
                    refused.append(f"{service}: {exc}")
            checks.extend(await check(nc, database_url, tenant_id))
        return checks, behind, refused
    finally:
        await nc.close()
