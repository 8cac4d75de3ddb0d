"""Hostile input is stopped at the edge of a service, in one place, before any handler: the findings of issue 20.

Each test here failed on the code before the edge existed (500s, an append left behind a 500, 422 before 401).
"""

from __future__ import annotations

import pytest

from libs.events import EventLog
from libs.platform.edge import MAX_JSON_DEPTH, Refused, screen_json
from libs.platform.problems import PROBLEM_JSON
from tests.contract.conftest import Service
from tests.support import provision_tenant


@pytest.mark.parametrize(
    "body",
    [
        b'{"text": "hi\\u0000"}',
        b'{"te\\u0000xt": "hi"}',
        b'{"text": "\\ud800"}',
        b'{"text": "caf\xe9"}',
        b'{"n": 1e999}',
        b'{"n": NaN}',
        b'{"n": 99999999999999999999}',
        b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
        b"[" * 50_000,
        b'{"text": ',
    ],
)
def test_hostile_json_is_refused(body: bytes) -> None:
    with pytest.raises(Refused) as refused:
        screen_json(body)
    assert refused.value.status == 400


def test_ordinary_json_passes() -> None:
    screen_json(b'{"text": "where is my order #1001? \\u00e9 \\"[{\\" \\ud83d\\ude00", "n": [1, 2.5, -3e10]}')
    screen_json(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)


async def test_a_nul_in_a_message_is_refused_and_nothing_is_appended(
    conversation: Service, event_log: EventLog
) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    conv = (await client.post("/v1/conversations/", headers=auth)).json()["id"]
    before = await event_log.read(tenant.tenant_id, conv)
    r = await client.post(
        f"/v1/conversations/{conv}/messages",
        headers={**auth, "Content-Type": "application/json"},
        content=b'{"text": "where is my order #1001?\\u0000"}',
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == PROBLEM_JSON
    assert r.json()["code"] == "hostile_input"
    assert await event_log.read(tenant.tenant_id, conv) == before
    view = (await client.get(f"/v1/conversations/{conv}", headers=auth)).json()
    assert view["transcript"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/v1/conversations?customer_id=%00",
        "/v1/conversations?customer_id=%ff",
        "/v1/conversations/c%08x",
    ],
)
async def test_nul_and_control_characters_in_the_target_are_refused(
    conversation: Service, event_log: EventLog, path: str
) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    r = await client.get(path, headers={"Authorization": f"Bearer {tenant.api_key}"})
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "hostile_input"


async def test_no_key_is_401_before_any_validation(conversation: Service) -> None:
    client, _ = conversation
    for r in [
        await client.post("/v1/conversations/c_1/messages", content=b'{"text": 1}'),
        await client.post("/v1/conversations/c_1/messages", content=b'{"text": "\\u0000"}'),
        await client.get("/v1/conversations?limit=0"),
    ]:
        assert r.status_code == 401, r.text
        assert r.headers["content-type"] == PROBLEM_JSON
        assert r.headers["www-authenticate"] == "Bearer"
        body = r.json()
        assert (body["status"], body["code"], body["type"]) == (
            401,
            "unauthorized",
            "https://deskpilot.dev/problems/unauthorized",
        )


async def test_every_error_is_a_problem_document(conversation: Service, event_log: EventLog) -> None:
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    invalid = await client.get("/v1/conversations?limit=0", headers=auth)
    missing = await client.get("/v1/conversations/c_nothing", headers=auth)
    malformed_id = await client.get("/v1/conversations/a.b/events", headers=auth)
    unknown_route = await client.get("/v1/conversations/x/y/z", headers=auth)
    for r, status, code in [
        (invalid, 422, "invalid_request"),
        (missing, 404, "not_found"),
        (malformed_id, 422, "invalid_request"),
        (unknown_route, 404, "not_found"),
    ]:
        assert (r.status_code, r.headers["content-type"]) == (status, PROBLEM_JSON), r.text
        assert {"type", "title", "status", "detail", "code"} <= set(r.json())
        assert r.json()["code"] == code
    assert invalid.json()["errors"][0]["field"] == "limit"


async def test_options_allows_every_method_of_the_path(conversation: Service) -> None:
    """Litestar's own answer listed only the methods of the first handler of a path (``Allow: GET, OPTIONS`` where
    ``PUT`` is documented too)."""
    client, _ = conversation
    r = await client.request("OPTIONS", "/v1/privacy/retention")
    assert r.status_code == 204
    assert r.headers["allow"] == "GET, OPTIONS, PUT"


async def test_a_log_position_past_the_bound_is_422_and_the_last_one_reads_nothing(
    conversation: Service, event_log: EventLog
) -> None:
    """from_version is a JetStream sequence: 41769627640889412803362816 was a 500 (api_fuzz, ST101)."""
    client, runtime = conversation
    tenant = await provision_tenant(event_log, runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    conv = (await client.post("/v1/conversations/", headers=auth)).json()["id"]
    beyond = await client.get(f"/v1/conversations/{conv}/events", params={"from_version": 2**63}, headers=auth)
    assert beyond.status_code == 422, beyond.text
    last = await client.get(f"/v1/conversations/{conv}/events", params={"from_version": 2**53 - 1}, headers=auth)
    assert (last.status_code, last.json()["events"]) == (200, []), last.text
