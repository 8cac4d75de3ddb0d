"""Traces cost nothing unless the operator asks: with no ``OTEL_*`` variable a service process loads no
OpenTelemetry SDK or exporter and records no span; a tool's arguments and result go on its span only with content
capture on."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider

from deskpilot.supervisor import SERVICES
from libs.events import ToolRequested
from libs.platform.telemetry import CAPTURE_CONTENT
from libs.platform.tool_executor import ToolAnswer, _describe

# What `deskpilot serve <service>` loads before it serves: the CLI, every service's composition root, then tracing.
PROBE = """
import importlib, sys
import deskpilot.cli
from opentelemetry import trace
from libs.platform.telemetry import configure_tracing
for name in sys.argv[1:]:
    importlib.import_module(f"services.{name}.app")
on = configure_tracing("agent")
loaded = sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk", "opentelemetry.exporter")))
span = trace.get_tracer("probe").start_span("probe")
print(on, span.is_recording(), len(loaded))
"""


def probe(*services: str, **otel: str) -> list[str]:
    """Tracing on, a span recording, SDK/exporter modules loaded: in a process that loaded ``services``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")} | otel
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *services], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_without_otel_variables_no_sdk_is_loaded_and_no_span_recorded() -> None:
    assert probe(*SERVICES) == ["False", "False", "0"]
    # The same process with an endpoint exports: what the first probe would have shown had the SDK crept in.
    on, recording, loaded = probe(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:9", OTEL_BSP_SCHEDULE_DELAY="60000")
    assert (on, recording) == ("True", "True")
    assert int(loaded) > 0


@pytest.mark.parametrize("capture", [None, "false", "true"])
def test_a_tools_arguments_and_result_go_on_its_span_only_with_content_capture(
    capture: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if capture is None:
        monkeypatch.delenv(CAPTURE_CONTENT, raising=False)
    else:
        monkeypatch.setenv(CAPTURE_CONTENT, capture)
    request = ToolRequested(
        turn_id="trn_1",
        tool_call_id="call_1",
        idempotency_key="idem_1",
        tool="get_order_status",
        service="integrations",
        arguments={"order_id": "1001"},
    )
    span = TracerProvider().get_tracer("test").start_span("execute_tool get_order_status")
    _describe(span, request, ToolAnswer(result={"status": "shipped to 12 Elm St"}))
    span.end()
    attributes = dict(span.attributes or {})  # type: ignore[attr-defined]
    assert attributes["gen_ai.tool.name"] == "get_order_status"
    content = {k: v for k, v in attributes.items() if k in ("gen_ai.tool.call.arguments", "gen_ai.tool.call.result")}
    if capture == "true":
        assert "1001" in str(content["gen_ai.tool.call.arguments"])
        assert "Elm St" in str(content["gen_ai.tool.call.result"])
    else:
        assert content == {}
        assert not any("1001" in str(v) or "Elm" in str(v) for v in attributes.values()), attributes
