"""``deskpilot dead-letters list|show|redrive``: what the consumers parked, and applying it again once the cause is
fixed (``libs/platform/dead_letters.py``)."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from libs.platform import nats_auth
from libs.platform.dead_letters import body_of, dead_letters, redrive


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser], data_dir: Path) -> None:
    p_dead = sub.add_parser("dead-letters", help="messages consumers parked: list, show, re-drive")
    dead_sub = p_dead.add_subparsers(dest="action", required=True)
    for action, help_text in (
        ("list", "list the parked messages, oldest first"),
        ("show", "one parked message with its headers and stored body (personal fields stay sealed)"),
        ("redrive", "run the consumer's handler on each again, in log order; applied ones are deleted"),
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
        letters = await dead_letters(nc.jetstream(), args.consumer, args.id)
        if args.action == "list":
            for letter in letters:
                print(letter.line())
            print(f"{len(letters)} dead letters")
            return 0
        if args.action == "show":
            if not letters:
                print(f"no dead letter {args.id}")
                return 1
            letter = letters[0]
            print(json.dumps({**letter.__dict__, "body": (await body_of(nc.jetstream(), letter)).decode()}, indent=2))
            return 0
        failed = 0
        for letter, error in await redrive(nc, letters):
            failed += error is not None
            print(f"{letter.id} {letter.consumer} {letter.event_id}: {'applied' if error is None else error}")
        print(f"{len(letters) - failed} re-driven, {failed} failed")
        return 1 if failed else 0
    finally:
        await nc.close()
