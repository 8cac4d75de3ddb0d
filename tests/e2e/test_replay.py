"""Replays and simulations on the whole platform (``deskpilot up``, six processes, real NATS and PostgreSQL): a
conversation recorded live is replayed against candidates over HTTP and the CLI; nothing of a replay reaches the
live log, the ledger, the audit trail or the demo store; suites run over HTTP; bad input gets useful 4xx."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
from sqlalchemy import text

from libs.platform.db import Database
from tests.e2e.conftest import Platform
from tests.e2e.test_walking_skeleton import events_until, open_conversation
from tests.support import DEMO_REFUNDABLE_ORDER, eventually

ROOT = Path(__file__).resolve().parents[2]
ORDER_OR_EMAIL = "where is my order #1001? my email is ada@example.com"
NEW_DESCRIPTION = "Look up an order's status by its number (ask for the number, never the email)."
REFUNDABLE = DEMO_REFUNDABLE_ORDER
DESCRIPTION_CANDIDATE = {
    "name": "order-lookup-wording",
    "tools": {"descriptions": {"get_order_status": NEW_DESCRIPTION}},
}


async def say(client: httpx2.AsyncClient, platform: Platform, text: str, until: str) -> tuple[str, list[Any]]:
    cid = await open_conversation(client, platform)
    r = await client.post(
        f"{platform.base}/v1/conversations/{cid}/messages", headers=platform.headers(), json={"text": text}
    )
    assert r.status_code == 202, r.text
    return cid, await events_until(client, platform, cid, until)


async def finished(client: httpx2.AsyncClient, platform: Platform, url: str, key: str | None = None) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        r = await client.get(f"{platform.base}{url}", headers=platform.headers(key))
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body if body["status"] in ("done", "failed") else None

    return await eventually(done, timeout=300, what=f"{url} to finish")


async def replay_of(client: httpx2.AsyncClient, platform: Platform, cid: str, candidate: dict[str, Any]) -> Any:
    r = await client.post(
        f"{platform.base}/v1/replays", headers=platform.headers(), json={"conversations": [cid], "candidate": candidate}
    )
    assert r.status_code == 202, r.text
    assert r.json()["conversations"] == 1
    body = await finished(client, platform, r.json()["url"])
    assert body["status"] == "done", body
    return body


async def test_a_tool_description_change_shows_as_exactly_that_difference(platform: Platform, tmp_path: Path) -> None:
    async with httpx2.AsyncClient(timeout=30) as client:
        cid, _ = await say(client, platform, ORDER_OR_EMAIL, "agent.replied")
        events = await events_until(client, platform, cid, "usage.recorded")  # billing has closed the turn
        recorded = [e["payload"]["tool"] for e in events if e["type"] == "tool.requested"]
        assert recorded == ["list_customer_orders"]

        body = await replay_of(client, platform, cid, DESCRIPTION_CANDIDATE)
        (conversation,) = body["conversations"]
        (turn,) = conversation["turns"]
        changes = [(c["change"], c["tool"], c["write"]) for c in turn["tool_changes"]]
        assert changes == [("missing", "list_customer_orders", False), ("added", "get_order_status", False)]
        assert turn["tool_changes"][1]["candidate_arguments"] == {"order_number": "1001"}
        (lookup,) = turn["candidate"]["tools"]
        assert lookup["answered_from"] == "dry_run"  # the integrations service answered the unrecorded read
        assert "UPS" in lookup["result_summary"]
        assert body["summary"]["identical_actions_pct"] == 0.0
        assert body["summary"]["write_difference_pct"] == 0.0
        assert body["progress"] == {"done": 1, "total": 1}
        after = (await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())).json()
        assert [e["id"] for e in after["events"]] == [e["id"] for e in events]  # the live log did not move

    candidate = tmp_path / "candidate.yaml"
    candidate.write_text(
        f'name: order-lookup-wording\ntools:\n  descriptions:\n    get_order_status: "{NEW_DESCRIPTION}"\n'
    )
    cli = platform.cli("replay", cid, "--against", str(candidate), "--json")
    assert cli.returncode == 0, cli.stdout + cli.stderr
    (diff,) = json.loads(cli.stdout)["conversations"]
    assert [(c["change"], c["tool"]) for c in diff["turns"][0]["tool_changes"]] == [
        ("missing", "list_customer_orders"),
        ("added", "get_order_status"),
    ]
    table = platform.cli("replay", cid, "--against", str(candidate))
    assert "- list_customer_orders" in table.stdout
    assert '+ get_order_status {"order_number": "1001"}' in table.stdout


async def test_a_replay_issues_no_live_side_effect(platform: Platform) -> None:
    """The demo tenant's refund procedure stays on: the offline model looks the order up, asks, and refunds on a yes
    (held for a person's approval live); the replay without approval rules would refund, answered by a dry run."""
    refunds_before = await _refunds_of(platform, REFUNDABLE)
    async with httpx2.AsyncClient(timeout=30) as client:
        policy_url = f"{platform.base}/v1/agent/policy"
        policy = (await client.get(policy_url, headers=platform.headers())).json()
        guarded = {**policy, "approval_rules": [{"tool": "refund_order", "argument": "amount", "above": "10"}]}
        assert (await client.put(policy_url, headers=platform.headers(), json=guarded)).status_code == 200
        try:
            cid, _ = await say(client, platform, f"please refund $20 of order #{REFUNDABLE}", "agent.replied")
            r = await client.post(
                f"{platform.base}/v1/conversations/{cid}/messages", headers=platform.headers(), json={"text": "yes"}
            )
            assert r.status_code == 202, r.text
            await events_until(client, platform, cid, "tool.approval_requested")
            before = await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())
            logged = [e["type"] for e in before.json()["events"]]
            calls = (logged.count("llm.called"), logged.count("tool.completed") + logged.count("tool.failed"))

            async def booked() -> dict[str, Any] | None:  # billing trails the log: wait until it has booked all of it
                url = f"{platform.base}/v1/billing/conversations/{cid}/cost"
                body: dict[str, Any] = (await client.get(url, headers=platform.headers())).json()
                return body if (body.get("llm_calls"), body.get("tool_calls")) == calls else None

            cost_before = await eventually(booked, what="billing to book every model and tool call on the log")
            audit_url, where = f"{platform.base}/v1/integrations/audit", {"conversation_id": cid}
            audit_before = (await client.get(audit_url, params=where, headers=platform.headers())).json()["items"]
            assert [a["tool"] for a in audit_before] == ["get_order_status"]  # the refund waits for a person

            body = await replay_of(client, platform, cid, {"name": "no-approvals", "policy": {"approval_rules": []}})
            asked, confirmed = body["conversations"][0]["turns"]
            assert asked["identical_actions"], asked  # the lookup, and the refund held for the customer's yes
            (change,) = confirmed["tool_changes"]
            assert (change["change"], change["tool"], change["write"]) == ("changed_approval", "refund_order", True)
            (refund,) = confirmed["candidate"]["tools"]
            assert (refund["answered_from"], refund["outcome"]) == ("dry_run", "completed")
            assert refund["result_summary"].startswith("Would refund 20 USD")
            assert body["summary"]["write_difference_pct"] == 100.0

            after = await client.get(f"{platform.base}/v1/conversations/{cid}/events", headers=platform.headers())
            assert after.json()["events"] == before.json()["events"]
            cost = await client.get(f"{platform.base}/v1/billing/conversations/{cid}/cost", headers=platform.headers())
            assert cost.json() == cost_before
            audit = (await client.get(audit_url, params=where, headers=platform.headers())).json()["items"]
            assert audit == audit_before  # not even the dry run is on the tenant's audit trail
        finally:
            await client.put(policy_url, headers=platform.headers(), json=policy)
    assert await _refunds_of(platform, REFUNDABLE) == refunds_before  # the replay's refund was a dry run


async def _refunds_of(platform: Platform, order: str) -> tuple[int, object]:
    """The demo store's refund rows and refunded amount of ``order``. The database is the session's, shared with the
    browser and fault tests that refund this order live, so the test compares before with after."""
    db = Database(platform.env["DATABASE_URL"], schema="integrations")
    try:
        async with db.session() as session:
            refunds = await session.execute(
                text("SELECT count(*) FROM integrations.demo_refunds WHERE order_number = :n"), {"n": order}
            )
            refunded = await session.execute(
                text("SELECT max(refunded) FROM integrations.demo_orders WHERE order_number = :n"), {"n": order}
            )
            return refunds.scalar_one(), refunded.scalar_one()
    finally:
        await db.close()


async def test_suites_run_over_http_and_grow_from_conversations(platform: Platform) -> None:
    suite_text = (ROOT / "examples" / "suites" / "demo_store.yaml").read_text()
    async with httpx2.AsyncClient(timeout=30) as client:
        r = await client.post(
            f"{platform.base}/v1/simulations", headers=platform.headers(), json={"suite": suite_text, "trials": 2}
        )
        assert r.status_code == 202, r.text
        assert (r.json()["tasks"], r.json()["trials"]) == (6, 2)
        body = await finished(client, platform, r.json()["url"])
        assert body["passed"] is True, body["report"]["failed_tasks"]
        assert body["report"]["pass_hat"] == {"1": 1.0, "2": 1.0}
        assert body["progress"] == {"done": 12, "total": 12}

        cid, _ = await say(client, platform, "where is my order #1001?", "agent.replied")
        r = await client.post(
            f"{platform.base}/v1/simulations/suites", headers=platform.headers(), json={"conversations": [cid]}
        )
        assert r.status_code == 200, r.text
        suite = r.json()
        (task,) = suite["tasks"]
        assert task["expect"]["tool_calls"] == [{"tool": "get_order_status", "arguments": {"order_number": "1001"}}]
        failing = {"tools": {"disabled": ["get_order_status"]}}
        r = await client.post(
            f"{platform.base}/v1/simulations",
            headers=platform.headers(),
            json={"suite": json.dumps(suite), "candidate": failing},
        )
        assert r.status_code == 202, r.text
        body = await finished(client, platform, r.json()["url"])
        assert body["passed"] is False
        assert body["report"]["failed_tasks"] == [cid]


async def test_bad_input_gets_useful_4xx(platform: Platform) -> None:
    other = platform.cli("tenants", "create", "Other Co")
    assert other.returncode == 0, other.stderr
    other_key = next(line.split(": ", 1)[1] for line in other.stdout.splitlines() if line.startswith("api key: "))
    async with httpx2.AsyncClient(timeout=30) as client:
        cid, _ = await say(client, platform, "hello", "agent.replied")
        replays = f"{platform.base}/v1/replays"

        async def post(body: dict[str, Any], key: str | None = None) -> httpx2.Response:
            return await client.post(replays, headers=platform.headers(key), json=body)

        unknown = await post({"conversations": ["conv_nope"]})
        assert unknown.status_code == 404
        assert "conv_nope" in unknown.json()["detail"]

        async def known_to_other() -> bool:  # the other tenant's key reaches the agent service once it is projected
            r = await client.get(f"{platform.base}/v1/replays", headers=platform.headers(other_key))
            return r.status_code == 200

        await eventually(known_to_other, what="the new tenant to reach the agent service")
        theirs = await post({"conversations": [cid]}, other_key)
        assert theirs.status_code == 404  # another tenant's conversation reads exactly like none
        assert (await post({"filter": {"last": 5}}, other_key)).status_code == 409  # nothing resolved yet

        both = await post({})
        assert both.status_code == 422
        provider = await post({"conversations": [cid], "candidate": {"model": {"provider": "acme-llm"}}})
        assert provider.status_code == 422
        (field,) = provider.json()["errors"]
        assert field["field"] == "candidate.model.provider"
        assert "'anthropic', 'openai', 'openai_compatible' or 'offline'" in field["message"]
        tool = await post({"conversations": [cid], "candidate": {"tools": {"disabled": ["launch_rockets"]}}})
        assert tool.status_code == 409  # a valid candidate; the tenant's catalog has no such tool
        assert tool.json()["errors"][0]["field"] == "candidate.tools.disabled"
        assert "launch_rockets" in tool.json()["errors"][0]["message"]
        local = {"model": {"provider": "openai_compatible", "model": "m", "base_url": "http://127.0.0.1:9/v1"}}
        private = await post({"conversations": [cid], "candidate": local})
        assert private.status_code == 403  # the operator's rule: a tenant's model server is on the internet
        assert "private or loopback" in private.json()["errors"][0]["message"]
        limits = await post({"conversations": [cid], "candidate": {"policy": {"limits": {"tool_calls_per_turn": 0}}}})
        assert limits.status_code == 422
        assert limits.json()["errors"][0]["field"] == "candidate.policy.limits.tool_calls_per_turn"

        suite = "suite: s\ntasks:\n  - id: a\n    customer: {messages: [hi]}\n    expect: {handoff: perhaps}\n"
        bad = await client.post(f"{platform.base}/v1/simulations", headers=platform.headers(), json={"suite": suite})
        assert bad.status_code == 422
        (problem,) = bad.json()["errors"]
        assert problem["field"] == "suite.tasks[0].expect.handoff"
        assert problem["message"].startswith("line 5: ")

        ok = await post({"conversations": [cid]})
        assert ok.status_code == 202
        url = ok.json()["url"]
        assert (await client.get(f"{platform.base}{url}", headers=platform.headers(other_key))).status_code == 404
        assert (await client.get(f"{replays}/rpl_nope", headers=platform.headers())).status_code == 404
        body = await finished(client, platform, url)
        assert body["summary"]["identical_actions_pct"] == 100.0  # the tenant's own setup does what it did


def test_the_releases_cli_reads_the_api_through_the_gateway(platform: Platform) -> None:
    """``deskpilot releases`` as a user runs it (its own process, the generated client, the gateway's port): the
    table on success, the problem's status, detail and code on a refusal, and its exit statuses."""

    def releases(*args: str, key: str | None = platform.api_key) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in platform.env.items() if k != "DESKPILOT_API_KEY"}
        run = [sys.executable, "-m", "deskpilot.cli", "releases", *args, "--url", platform.base]
        run += ["--key", key] if key else []
        return subprocess.run(run, env=env, capture_output=True, text=True, timeout=300, check=False)

    listed = releases("list")
    assert (listed.returncode, listed.stderr) == (0, ""), listed
    assert listed.stdout.splitlines()[0].split()[:3] == ["release", "role", "share"], listed.stdout
    refused = releases("list", key="dp_not_a_key")
    assert refused.returncode == 1, refused
    assert refused.stdout.startswith("401: "), refused.stdout
    assert refused.stdout.rstrip().endswith("(unauthorized)"), refused.stdout
    missing = releases("diff", "1", "999999")
    assert (missing.returncode, missing.stdout[:5]) == (1, "404: "), missing
    assert releases("list", key=None).returncode == 2
