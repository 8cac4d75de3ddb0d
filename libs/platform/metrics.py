"""Prometheus metrics of a service process: what they are, and the one place that defines them.

Every service serves them on ``GET /metrics`` (text exposition format, ``libs.platform.http``), from the process's
default ``prometheus_client`` registry, which also carries the client's process collectors (CPU seconds, memory,
open files). Labels are bounded: service, route template, durable consumer, tool, provider and model; never a
tenant, conversation or other id.

To add a metric from anywhere (a service, another library), call :func:`counter`, :func:`gauge` or
:func:`histogram` at module level: each returns the metric of that name if it exists already, so importing a module
twice (tests, reloads) never fails on a duplicate registration. Name it ``deskpilot_<what>[_<unit>][_total]``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from decimal import Decimal
from typing import TypeVar

from prometheus_client import REGISTRY, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

M = TypeVar("M", bound=MetricWrapperBase)

_lock = threading.Lock()
_metrics: dict[str, MetricWrapperBase] = {}

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
"""Seconds: an HTTP request, a tool call, a model call."""
TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0)
"""Seconds from a turn's opening to its reply or handoff (model calls and tools included)."""


def _get_or_make(kind: type[M], name: str, documentation: str, labels: Sequence[str], **extra: object) -> M:
    with _lock:
        existing = _metrics.get(name)
        if existing is None:
            existing = kind(name, documentation, labelnames=tuple(labels), registry=REGISTRY, **extra)  # type: ignore[arg-type]
            _metrics[name] = existing
        if not isinstance(existing, kind):
            raise TypeError(f"metric {name} exists as a {type(existing).__name__}, not a {kind.__name__}")
        return existing


def counter(name: str, documentation: str, labels: Sequence[str] = ()) -> Counter:
    """A counter (``name`` without the ``_total`` suffix the exposition adds)."""
    return _get_or_make(Counter, name, documentation, labels)


def gauge(name: str, documentation: str, labels: Sequence[str] = ()) -> Gauge:
    return _get_or_make(Gauge, name, documentation, labels)


def histogram(
    name: str, documentation: str, labels: Sequence[str] = (), buckets: Sequence[float] = LATENCY_BUCKETS
) -> Histogram:
    return _get_or_make(Histogram, name, documentation, labels, buckets=tuple(buckets))


# --- HTTP: rate, errors, duration per route ------------------------------------------------------------------------

HTTP_REQUESTS = counter(
    "deskpilot_http_requests",
    "HTTP requests answered, by route template and status",
    ("service", "method", "route", "status"),
)
HTTP_DURATION = histogram(
    "deskpilot_http_request_duration_seconds",
    "Time to answer an HTTP request (to the end of the response body), by route template",
    ("service", "method", "route"),
)

# --- consumers ------------------------------------------------------------------------------------------------------

CONSUMED = counter(
    "deskpilot_consumer_messages",
    "Messages a durable consumer settled: handled, or dead_lettered (parked, then acknowledged)",
    ("service", "consumer", "outcome"),
)
REDELIVERIES = counter(
    "deskpilot_consumer_redeliveries",
    "Messages delivered again to a durable consumer (ack wait expired: a crash, a stall)",
    ("service", "consumer"),
)
HANDLER_FAILURES = counter(
    "deskpilot_consumer_handler_failures",
    "Failed attempts at a message: transient (infrastructure away, retried for as long as it takes) or error",
    ("service", "consumer", "kind"),
)
CONSUMER_LAG = gauge(
    "deskpilot_consumer_lag",
    "Messages on the stream a durable consumer has not been delivered yet (JetStream's num_pending)",
    ("service", "consumer"),
)
CONSUMER_ACTIVE = gauge(
    "deskpilot_consumer_active",
    "1 in the replica that holds an ordered consumer's lock and runs it, 0 in a standby (decision 0057)",
    ("service", "consumer"),
)
CONSUMER_ACK_PENDING = gauge(
    "deskpilot_consumer_ack_pending",
    "Messages delivered to a durable consumer and not yet acknowledged (in flight, or stalled)",
    ("service", "consumer"),
)
CONSUMER_IN_FLIGHT = gauge(
    "deskpilot_consumer_in_flight",
    "Messages this process holds for a durable consumer now (taken, not yet settled): a replica's share of the work",
    ("service", "consumer"),
)
DEAD_LETTERS = counter(
    "deskpilot_dead_letters",
    "Messages parked on dp.dlq.<consumer>: poison (undecodable or unappliable) or failed (out of attempts)",
    ("service", "consumer", "reason"),
)
DEAD_LETTERS_PARKED = gauge(
    "deskpilot_dead_letters_parked",
    "Messages a consumer parked and nobody re-drove yet: events its read model has not applied (it is behind)",
    ("service", "consumer"),
)

# --- outbox ---------------------------------------------------------------------------------------------------------

OUTBOX_BACKLOG = gauge(
    "deskpilot_outbox_backlog",
    "Outbox rows committed and not yet marked published (a NATS outage, a crash, or marking still to come)",
    ("service",),
)

# --- the agent ------------------------------------------------------------------------------------------------------

TURN_DURATION = histogram(
    "deskpilot_turn_duration_seconds",
    "From a turn's opening to its end: replied (an answer) or handoff (to a human)",
    ("outcome",),
    buckets=TURN_BUCKETS,
)
MODEL_CALLS = counter(
    "deskpilot_model_calls", "Model calls by provider and model: ok or failed", ("provider", "model", "outcome")
)
MODEL_DURATION = histogram(
    "deskpilot_model_call_duration_seconds",
    "A model call, streamed to its end (provider retries included)",
    ("provider", "model"),
)
MODEL_TOKENS = counter(
    "deskpilot_model_tokens",
    "Tokens of model calls by provider, model and kind (input, output, cache_read, cache_write)",
    ("provider", "model", "kind"),
)
MODEL_COST = counter(
    "deskpilot_model_cost_usd",
    "Dollar cost of model calls (the dated price table) by provider and model",
    ("provider", "model"),
)

# --- tools ----------------------------------------------------------------------------------------------------------

TOOL_CALLS = counter(
    "deskpilot_tool_calls",
    "Tool calls executed, by service and tool; outcome: completed, or the failure's kind (an error)",
    ("service", "tool", "outcome"),
)
TOOL_DURATION = histogram(
    "deskpilot_tool_duration_seconds", "Time a tool's handler took, by service and tool", ("service", "tool")
)

# --- the conversation service's turn sweep -------------------------------------------------------------------------

TURN_SWEEP = counter(
    "deskpilot_turn_sweep_actions",
    "Customer messages left unanswered that the turn sweep acted on: resumed (turn.stalled) or handed_over",
    ("action",),
)

# --- ticketing ------------------------------------------------------------------------------------------------------

SLA_BREACHES = counter(
    "deskpilot_sla_breaches", "SLA targets breached (announced once each), by kind and priority", ("kind", "priority")
)


def record_model_call(provider: str, model: str, usage: dict[str, int], cost_usd: Decimal, seconds: float) -> None:
    """One answered model call: its tokens by kind, its cost and its duration."""
    MODEL_CALLS.labels(provider, model, "ok").inc()
    MODEL_DURATION.labels(provider, model).observe(seconds)
    for kind, tokens in usage.items():
        if tokens:
            MODEL_TOKENS.labels(provider, model, kind).inc(tokens)
    MODEL_COST.labels(provider, model).inc(float(cost_usd))
