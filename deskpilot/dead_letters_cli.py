"""``deskpilot dead-letters list|show|redrive``: what the consumers parked, and applying it again once the cause is
fixed (``libs/platform/dead_letters.py``). The operator API (``/v1/operator/dead-letters``) does the same through the
same functions (``libs/platform/operator.py``)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from libs.platform import nats_auth
from libs.platform.dead_letters import dead_letters
from libs.platform.operator import detail, redrive_selected


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: Path) -> None:
    p_dead = sub.add_parser("dead-letters", help="messages consumers parked: list, show, re-drive")
    dead_sub = p_dead.add_subparsers(dest="action", required=True)
    for action, help_text in (
        ("list", "list the parked messages, oldest first"),
        ("show", "one parked message with its headers and stored body (personal fields stay sealed)"),
        ("redrive", "run the consumer's handler on each again, in log order; applied ones are marked re-driven"),
    ):
        p = dead_sub.add_parser(action, help=help_text)
        p.add_argument("--consumer", help="only this consumer's, e.g. billing-ledger")
        p.add_argument("--id", type=int, required=action == "show", help="only the dead letter with this id")
        p.add_argument("--data-dir", type=Path, default=data_dir)


def run(args: argparse.Namespace, nats_url: str) -> int:
    return asyncio.run(_run(args, nats_url))


async def _run(args: argparse.Namespace, nats_url: str) -> int:
    nc = await nats_auth.connect(nats_url)
    try:
        if args.action == "list":
            letters = await dead_letters(nc, args.consumer, args.id)
            for letter in letters:
                print(letter.line())
            print(f"{len(letters)} dead letters")
            return 0
        if args.action == "show":
            found = await detail(nc, args.id)
            if found is None or (args.consumer and found.consumer != args.consumer):
                print(f"no dead letter {args.id}")
                return 1
            print(found.model_dump_json(indent=2))
            return 0
        done = await redrive_selected(nc, args.consumer, args.id)
        for result in done.results:
            print(f"{result.id} {result.consumer} {result.event_id}: {'applied' if result.applied else result.error}")
        print(f"{done.redriven} re-driven, {done.failed} failed")
        return 1 if done.failed else 0
    finally:
        await nc.close()
