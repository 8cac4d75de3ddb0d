"""The retry policy's arithmetic: retry-after parsing, backoff, which failures are transient."""

from __future__ import annotations

from datetime import UTC, datetime

from services.agent.providers.retry import RetryPolicy, classify_status, parse_retry_after


def test_retry_after_in_seconds_milliseconds_and_http_dates() -> None:
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after({"retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert parse_retry_after({"retry-after": "Tue, 24 Nov 2026 12:00:30 GMT"}, now) == 30.0
    assert parse_retry_after({"retry-after": "Tue, 24 Nov 2026 11:00:00 GMT"}, now) == 0.0  # in the past
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_backoff_doubles_up_to_the_cap_with_bounded_jitter() -> None:
    policy = RetryPolicy(base_delay=1, max_delay=5, jitter=0.25)
    for retry, full in [(1, 1), (2, 2), (3, 4), (4, 5), (9, 5)]:
        delay = policy.backoff(retry)
        assert full * 0.75 <= delay <= full


def test_transient_statuses_are_retried_and_the_server_can_say_otherwise() -> None:
    for status in (408, 409, 429, 500, 502, 503, 529):
        assert classify_status(status, {}, "").retryable
    for status in (400, 401, 403, 404, 422):
        assert not classify_status(status, {}, "").retryable
    assert not classify_status(503, {"x-should-retry": "false"}, "").retryable
    assert classify_status(400, {"x-should-retry": "true"}, "").retryable
