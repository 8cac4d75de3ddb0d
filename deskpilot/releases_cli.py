"""``deskpilot releases list|diff|publish|rollout|promote|rollback``: a tenant's agent releases, through the public
API (docs/releases.md) with the API's own generated client (``clients/python``) like any client: ``--url`` (default
``$DESKPILOT_URL`` or http://127.0.0.1:8000) and the tenant's key (``--key`` or ``$DESKPILOT_API_KEY``)."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import Any

import httpx
from deskpilot_client import AuthenticatedClient
from deskpilot_client.api.agent import v1_agent_releases_diff_b_diff as diff_api
from deskpilot_client.api.agent import v1_agent_releases_gate_runs_run_id_gate_run as gate_run_api
from deskpilot_client.api.agent import v1_agent_releases_list_releases as list_api
from deskpilot_client.api.agent import v1_agent_releases_number_promote_promote as promote_api
from deskpilot_client.api.agent import v1_agent_releases_number_rollout_rollout as rollout_api
from deskpilot_client.api.agent import v1_agent_releases_publish as publish_api
from deskpilot_client.api.agent import v1_agent_releases_rollback_rollback as rollback_api
from deskpilot_client.models import (
    ConfigDiff,
    GateReport,
    GateRunView,
    Problem,
    PromoteRequest,
    PublishRequest,
    ReleaseList,
    RollbackRequest,
    RolloutRequest,
    RolloutView,
)
from deskpilot_client.types import Response


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p_rel = sub.add_parser("releases", help="agent releases: list, diff, publish, roll out, promote, roll back")
    rel_sub = p_rel.add_subparsers(dest="action", required=True)
    commands = {
        "list": "the releases, what each serves, and the rollout's history",
        "diff": "what changed between two releases (numbers, or 'draft')",
        "publish": "publish the draft through the gate (replay of recent conversations, suites)",
        "rollout": "give a release a share of new conversations",
        "promote": "make a release serve every new conversation",
        "rollback": "stop the rollout, or (--to N) go back to an earlier release",
    }
    for action, help_text in commands.items():
        p = rel_sub.add_parser(action, help=help_text)
        p.add_argument("--url", default=os.environ.get("DESKPILOT_URL", "http://127.0.0.1:8000"))
        p.add_argument("--key", default=os.environ.get("DESKPILOT_API_KEY"), help="the tenant's API key")
        p.add_argument("--by", default=os.environ.get("USER", "cli"), help="who does it (recorded)")
        if action == "diff":
            p.add_argument("a")
            p.add_argument("b")
        if action in ("rollout", "promote"):
            p.add_argument("number", type=int)
        if action == "rollout":
            p.add_argument("--share", type=float, required=True, help="% of new conversations, 0-100")
        if action == "rollback":
            p.add_argument("--to", type=int, help="the release to go back to")
        if action == "publish":
            p.add_argument("--notes", default="")
            p.add_argument("--suite", type=Path, action="append", default=[], help="a simulation suite file")


def run(args: argparse.Namespace) -> int:
    if not args.key:
        print("set --key or DESKPILOT_API_KEY to the tenant's API key")
        return 2

    async def go() -> int:
        async with AuthenticatedClient(base_url=args.url, token=args.key, timeout=httpx.Timeout(600)) as client:
            return await command(client, args)

    try:
        return asyncio.run(go())
    except httpx.TransportError as exc:  # the status a traceback had, with a line instead of one
        print(f"cannot reach the API at {args.url}: {exc!r}")
        return 1


def failed(response: Response[Any]) -> int:
    """Print an error answer: its problem document's status, detail and field errors (or the body as it came, from
    something in front of the API that answered otherwise); the exit status 1."""
    problem = response.parsed
    if not isinstance(problem, Problem):
        print(f"{int(response.status_code)}: {response.content.decode(errors='replace')}")
        return 1
    print(f"{problem.status}: {problem.detail} ({problem.code})")
    for error in problem.errors or []:
        print(f"  - {error.field}: {error.message}")
    return 1


async def command(client: AuthenticatedClient, args: argparse.Namespace) -> int:
    """One command against the API (``client`` carries the base URL and the key); the exit status."""
    match args.action:
        case "list":
            r: Response[Any] = await list_api.asyncio_detailed(client=client)
        case "diff":
            r = await diff_api.asyncio_detailed(args.a, args.b, client=client)
        case "publish":
            suites: list[Any] = [s.read_text() for s in args.suite]
            body = PublishRequest(notes=args.notes, suites=suites, by=args.by)
            r = await publish_api.asyncio_detailed(client=client, body=body)
            if isinstance(r.parsed, GateRunView):
                return await _verdict(client, r.parsed)
        case "rollout":
            rollout = RolloutRequest(share=args.share, by=args.by)
            r = await rollout_api.asyncio_detailed(args.number, client=client, body=rollout)
        case "promote":
            r = await promote_api.asyncio_detailed(args.number, client=client, body=PromoteRequest(by=args.by))
        case _:
            r = await rollback_api.asyncio_detailed(client=client, body=RollbackRequest(to=args.to, by=args.by))
    match r.parsed:
        case ReleaseList() as releases:
            _list(releases)
        case ConfigDiff() as diff:
            _diff(diff)
        case RolloutView() as view:
            _rollout(view)
        case _:
            return failed(r)
    return 0


def _rollout(view: RolloutView) -> None:
    rollout = f", release {view.rollout} takes {view.share} %" if view.rollout else ""
    print(f"stable: release {view.stable}{rollout}")
    for a in view.history[:5]:
        share = f" {a.share} %" if a.share is not None else ""
        print(f"  {a.at.isoformat()[:19]}  {a.action:<8} release {a.release}{share}  by {a.by}")


def _list(releases: ReleaseList) -> None:
    print(f"{'release':>7}  {'role':<8} {'share':>7}  {'published':<19}  {'by':<20} notes")
    for item in releases.items:
        published = item.published_at.isoformat()[:19]
        print(
            f"{item.number:>7}  {item.role:<8} {item.share:>6}%  {published:<19}  {item.published_by:<20} {item.notes}"
        )
    if releases.rollout:
        _rollout(releases.rollout)


def _diff(diff: ConfigDiff) -> None:
    if diff.identical:
        print(f"{diff.a} and {diff.b} are the same")
        return
    for text in diff.texts:
        print("\n".join(text.diff))
    for change in diff.fields:
        if change.change == "changed":
            print(f"~ {change.field}: {change.old!r} -> {change.new!r}")
        else:
            sign, value = ("+", change.new) if change.change == "added" else ("-", change.old)
            print(f"{sign} {change.field}: {value!r}")


def _gate(gate: GateReport) -> None:
    replay = gate.replay
    if replay:
        print(
            f"gate: {replay.replayed} conversations replayed, {replay.identical_actions_pct} % identical, "
            f"{replay.write_difference_pct} % with another write action"
        )
    for change in gate.write_changes:
        tools = ", ".join(f"{c.change} {c.tool}" for c in change.changes)
        print(f"  {change.conversation_id} turn {change.message_index}: {tools}")
    for suite in gate.suites:
        print(f"  suite {suite.suite}: {'passed' if suite.passed else 'FAILED'} (pass^1 {suite.pass_1})")


POLL_SECONDS = 0.5
FINISHED = ("passed", "blocked", "failed")


async def _verdict(client: AuthenticatedClient, run: GateRunView) -> int:
    """Follow a gate run (``POST`` answered 202) until its verdict, printing its progress; the exit status."""
    shown = None
    while run.status not in FINISHED:
        p = run.progress
        line = f"{run.status}: {p.replayed}/{p.conversations} conversations, {p.suites_run}/{p.suites}"
        if line != shown:
            print(f"gate {run.id} {line} suites")
            shown = line
        await asyncio.sleep(POLL_SECONDS)
        r = await gate_run_api.asyncio_detailed(run.id, client=client)
        if not isinstance(r.parsed, GateRunView):
            return failed(r)
        run = r.parsed
    if run.gate:
        _gate(run.gate)
    if run.status == "passed" and run.release:
        release = run.release
        print(f"published release {release.number} ({release.role}, {release.share} % of new conversations)")
        return 0
    why = run.reasons or [run.error or "no reason given"]
    print(f"not published: the gate {'blocks' if run.status == 'blocked' else 'failed'}")
    for reason in why:
        print(f"  - {reason}")
    return 1
