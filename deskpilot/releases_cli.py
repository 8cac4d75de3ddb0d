"""``deskpilot releases list|diff|publish|rollout|promote|rollback``: a tenant's agent releases, through the public
API (docs/releases.md) like any client: ``--url`` (default ``$DESKPILOT_URL`` or http://127.0.0.1:8000) and the
tenant's key (``--key`` or ``$DESKPILOT_API_KEY``)."""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path
from typing import Any

import httpx2


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
    headers = {"Authorization": f"Bearer {args.key}"}

    async def go() -> int:
        async with httpx2.AsyncClient(base_url=args.url, headers=headers, timeout=600) as client:
            return await command(client, args)

    return asyncio.run(go())


def _failed(r: httpx2.Response) -> int:
    body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
    print(f"{r.status_code}: {body.get('detail', r.text)}")
    for problem in body.get("errors", []):
        print(f"  - {problem.get('field')}: {problem.get('message')}")
    return 1


async def command(client: httpx2.AsyncClient, args: argparse.Namespace) -> int:
    """One command against the API (``client`` carries the base URL and the key); the exit status."""
    path = "/v1/agent/releases"
    match args.action:
        case "list":
            r = await client.get(path)
        case "diff":
            r = await client.get(f"{path}/{args.a}/diff/{args.b}")
        case "publish":
            suites = [s.read_text() for s in args.suite]
            r = await client.post(path, json={"notes": args.notes, "suites": suites, "by": args.by})
            if r.status_code < 400:
                return await _verdict(client, r.json())
        case "rollout":
            r = await client.post(f"{path}/{args.number}/rollout", json={"share": args.share, "by": args.by})
        case "promote":
            r = await client.post(f"{path}/{args.number}/promote", json={"by": args.by})
        case _:
            r = await client.post(f"{path}/rollback", json={"to": args.to, "by": args.by})
    if r.status_code >= 400:
        return _failed(r)
    show = {"list": _list, "diff": _diff}.get(args.action, _rollout)
    show(r.json())
    return 0


def _rollout(body: dict[str, Any]) -> None:
    rollout = f", release {body['rollout']} takes {body['share']} %" if body.get("rollout") else ""
    print(f"stable: release {body['stable']}{rollout}")
    for a in body.get("history", [])[:5]:
        share = f" {a['share']} %" if a.get("share") is not None else ""
        print(f"  {a['at'][:19]}  {a['action']:<8} release {a['release']}{share}  by {a['by']}")


def _list(body: dict[str, Any]) -> None:
    print(f"{'release':>7}  {'role':<8} {'share':>7}  {'published':<19}  {'by':<20} notes")
    for item in body["items"]:
        published = item["published_at"][:19]
        print(
            f"{item['number']:>7}  {item['role']:<8} {item['share']:>6}%  {published:<19}  "
            f"{item['published_by']:<20} {item['notes']}"
        )
    if body.get("rollout"):
        _rollout(body["rollout"])


def _diff(body: dict[str, Any]) -> None:
    if body["identical"]:
        print(f"{body['a']} and {body['b']} are the same")
        return
    for text in body["texts"]:
        print("\n".join(text["diff"]))
    for change in body["fields"]:
        if change["change"] == "changed":
            print(f"~ {change['field']}: {change['old']!r} -> {change['new']!r}")
        else:
            sign, value = ("+", change["new"]) if change["change"] == "added" else ("-", change["old"])
            print(f"{sign} {change['field']}: {value!r}")


def _gate(gate: dict[str, Any]) -> None:
    replay = gate.get("replay")
    if replay:
        print(
            f"gate: {replay['replayed']} conversations replayed, {replay['identical_actions_pct']} % identical, "
            f"{replay['write_difference_pct']} % with another write action"
        )
    for change in gate.get("write_changes", []):
        tools = ", ".join(f"{c['change']} {c['tool']}" for c in change["changes"])
        print(f"  {change['conversation_id']} turn {change['message_index']}: {tools}")
    for suite in gate.get("suites", []):
        print(f"  suite {suite['suite']}: {'passed' if suite['passed'] else 'FAILED'} (pass^1 {suite['pass_1']})")


POLL_SECONDS = 0.5
FINISHED = ("passed", "blocked", "failed")


async def _verdict(client: httpx2.AsyncClient, body: dict[str, Any]) -> int:
    """Follow a gate run (``POST`` answered 202) until its verdict, printing its progress; the exit status."""
    shown = None
    while body["status"] not in FINISHED:
        p = body["progress"]
        line = f"{body['status']}: {p['replayed']}/{p['conversations']} conversations, {p['suites_run']}/{p['suites']}"
        if line != shown:
            print(f"gate {body['id']} {line} suites")
            shown = line
        await asyncio.sleep(POLL_SECONDS)
        r = await client.get(body["url"])
        if r.status_code >= 400:
            return _failed(r)
        body = r.json()
    if body["gate"]:
        _gate(body["gate"])
    if body["status"] == "passed":
        release = body["release"]
        print(f"published release {release['number']} ({release['role']}, {release['share']} % of new conversations)")
        return 0
    why = body["reasons"] or [body["error"]]
    print(f"not published: the gate {'blocks' if body['status'] == 'blocked' else 'failed'}")
    for reason in why:
        print(f"  - {reason}")
    return 1
