"""``/metrics`` and the HTTP measurements every service gets from ``build_app``, without servers."""

from __future__ import annotations

from typing import Any, cast

import httpx2
import pytest
from litestar import get
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import MetaData

from libs.platform import metrics
from libs.platform.http import build_app
from libs.platform.runtime import ServiceRuntime
from libs.platform.settings import ServiceSettings


@get("/v1/probe/items/{item_id:str}", sync_to_thread=False)
def item(item_id: str) -> dict[str, str]:
    if item_id == "boom":
        raise RuntimeError("a bug")
    return {"id": item_id}


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    }


async def test_requests_are_counted_by_route_template_and_status() -> None:
    runtime = ServiceRuntime("probe", ServiceSettings(), MetaData(schema="probe"), [])
    app = build_app(runtime, [item])
    transport = httpx2.ASGITransport(app=cast(Any, app))
    async with httpx2.AsyncClient(transport=transport, base_url="http://probe") as client:
        for item_id in ("a", "b", "boom"):
            await client.get(f"/v1/probe/items/{item_id}")
        r = await client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    route = (("method", "GET"), ("route", "/v1/probe/items/{item_id}"), ("service", "probe"))
    counted = samples(r.text, "deskpilot_http_requests_total")
    assert counted[(*route[:2], ("service", "probe"), ("status", "200"))] == 2
    assert counted[(*route[:2], ("service", "probe"), ("status", "500"))] == 1
    assert samples(r.text, "deskpilot_http_request_duration_seconds_count")[route] == 3


def test_a_metric_is_made_once_and_found_again_by_name() -> None:
    first = metrics.counter("deskpilot_test_rescued", "a counter another module also declares", ("service",))
    assert metrics.counter("deskpilot_test_rescued", "same", ("service",)) is first
    with pytest.raises(TypeError):
        metrics.gauge("deskpilot_test_rescued", "not a gauge")
