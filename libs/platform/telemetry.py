"""Traces out: OTLP over HTTP, configured only by the standard ``OTEL_*`` variables, and off when they are unset.

``deskpilot serve`` calls :func:`configure_tracing` once per process. It installs an SDK tracer provider with a batch
exporter only when an OTLP endpoint is configured (``OTEL_EXPORTER_OTLP_ENDPOINT`` or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) and tracing is not switched off (``OTEL_SDK_DISABLED=true`` or
``OTEL_TRACES_EXPORTER=none``). Otherwise nothing is installed: the OpenTelemetry API's default provider hands out
non-recording spans, no SDK is imported and nothing is exported. Everything else (headers, timeout, compression,
sampler, batch sizes, ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``) the SDK reads from the environment itself.

The context travels with every event in NATS headers (``libs.events.log.trace_headers``), and each consumer
continues it (``libs.platform.consumers``), so one customer message and everything it causes form one trace.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("deskpilot.telemetry")

CAPTURE_CONTENT = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"

_configured = False


def tracing_wanted(env: Mapping[str, str] | None = None) -> bool:
    """Whether the environment asks for traces to be exported."""
    env = os.environ if env is None else env
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    if env.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower() in ("none", ""):
        return False
    return bool(env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or env.get("OTEL_EXPORTER_OTLP_ENDPOINT"))


def configure_tracing(service: str) -> bool:
    """Export this process's spans over OTLP/HTTP if the environment asks for it (see the module docstring);
    ``service`` names the process unless ``OTEL_SERVICE_NAME`` does. True when tracing is on."""
    global _configured  # noqa: PLW0603 - one tracer provider per process, installed once
    if _configured or not tracing_wanted():
        return _configured
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or f"deskpilot-{service}"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    _configured = True
    log.info("%s: exporting traces over OTLP/HTTP", service)
    return True


def shutdown_tracing() -> None:
    """Export what is still buffered (on a clean stop)."""
    if not _configured:
        return
    from opentelemetry import trace

    provider: Any = trace.get_tracer_provider()
    shutdown = getattr(provider, "shutdown", None)
    if shutdown is not None:
        shutdown()


def capture_content() -> bool:
    """Whether message content may go on spans (``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true``):
    personal data, so off unless the operator says so; secrets never go there either way."""
    return os.environ.get(CAPTURE_CONTENT, "").strip().lower() == "true"


def as_json(value: object) -> str:
    """A span attribute holding structured content (GenAI messages, tool arguments), as compact JSON."""
    return json.dumps(value, separators=(",", ":"), default=str, ensure_ascii=False)
