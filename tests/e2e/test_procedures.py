"""Guards on the whole platform: ``deskpilot up`` (six processes, real NATS and PostgreSQL) gives the demo tenant the
demo store's procedures, and a model that ignores them (``tests/fakes/rogue_model.py``, through the real Anthropic
SDK) tries refunds out of policy — with no lookup first, too late, too large, without the customer's yes. Every one
is blocked before it reaches the demo store, the model is told why, and so is the customer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from deskpilot.embedded import free_port
from tests.e2e.conftest import Platform
from tests.e2e.test_walking_skeleton import events_until, open_conversation
from tests.support import platform_env, start_platform, stop_platform

# Order 1003 was delivered 10 days before the tenant's shop was made, order 1005 83 days before
# (libs/demo_store/data.py): a refund of 1003 asked without the customer's yes is held for it, one of 1005 is late.
SCENARIOS = [
    ("please refund 20 on order 1003", "required_call", "requires get_order_status"),
    ("look up order 1005 and refund 20", "precondition", "days_since(get_order_status.estimated_delivery) <= 30"),
    ("look up order 1003 and refund 500", "precondition", "refund_order.amount <="),
    ("look up order 1003 and refund 20", "confirmation", "confirm"),
]


@pytest.fixture(scope="module")
def rogue_platform(nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    model = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.rogue_model", "--port", "0"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert model.stdout is not None
        url = model.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        data_dir = tmp_path_factory.mktemp("rogue")
        env = platform_env(NATS_URL=nats_url, DATABASE_URL=database_url)
        env.update({"ANTHROPIC_API_KEY": "sk-ant-test-rogue", "ANTHROPIC_BASE_URL": url})
        log = data_dir / "platform.log"
        port = free_port()
        proc, api_key = start_platform(data_dir, port, env, log, timeout=180)
        try:
            yield Platform(f"http://127.0.0.1:{port}", api_key, data_dir, env, proc, log)
        finally:
            stop_platform(proc)
    finally:
        model.terminate()
        model.wait(timeout=30)


async def _procedures_given(client: httpx2.AsyncClient, platform: Platform) -> list[str]:
    r = await client.get(f"{platform.base}/v1/agent/procedures", headers=platform.headers())
    assert r.status_code == 200, r.text
    return sorted(p["name"] for p in r.json()["items"])


async def test_every_out_of_policy_refund_is_blocked_and_nothing_is_refunded(rogue_platform: Platform) -> None:
    platform = rogue_platform
    async with httpx2.AsyncClient(timeout=10) as client:
        names = await _procedures_given(client, platform)
        assert names == ["address-change-before-shipment", "refund-within-30-days", "subscription-downgrade"]
        conversations: list[tuple[str, str, str]] = []
        for text, kind, guard in SCENARIOS:
            cid = await open_conversation(client, platform)
            r = await client.post(
                f"{platform.base}/v1/conversations/{cid}/messages", headers=platform.headers(), json={"text": text}
            )
            assert r.status_code == 202, r.text
            conversations.append((cid, kind, guard))
        for cid, kind, guard in conversations:
            events = await events_until(client, platform, cid, "agent.replied", timeout=90)
            payloads: dict[str, list[dict[str, Any]]] = {}
            for e in events:
                payloads.setdefault(e["type"], []).append(e["payload"])
            assert payloads["procedure.applied"][0]["procedure"] == "refund-within-30-days"
            (stop,) = payloads["guard.blocked"]
            assert stop["tool"] == "refund_order"
            assert stop["kind"] == kind
            assert guard in stop["guard"]
            assert not [p for p in payloads.get("tool.requested", []) if p["tool"] == "refund_order"]
            (reply,) = payloads["agent.replied"]
            assert "blocked by the procedure 'refund-within-30-days'" in reply["text"]
            assert stop["reason"][:60] in reply["text"]
            if kind == "precondition":
                assert stop["values"]
        r = await client.get(f"{platform.base}/v1/integrations/audit", headers=platform.headers())
        assert r.status_code == 200, r.text
        assert [e for e in r.json()["items"] if e["tool"] == "refund_order"] == []
        assert {e["tool"] for e in r.json()["items"]} <= {"get_order_status"}
