"""Our retry policy for model providers (the SDKs' own retries are switched off with ``max_retries=0``).

Transient failures — 429, 408, 529 overloaded, any 5xx, connection errors and timeouts — are retried with
exponential backoff (with jitter) that honours the server's ``retry-after`` / ``retry-after-ms``, up to
``max_attempts`` attempts and within a total ``deadline``. Anything else, or a provider that stays down, becomes
one typed exception, :class:`ProviderUnavailable`, which the agent loop turns into an error event and a handoff.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar

from services.agent.providers.base import ModelResponse, StreamEvent, TextDelta

log = logging.getLogger("deskpilot.agent.providers")
T = TypeVar("T")
E = TypeVar("E")
E_co = TypeVar("E_co", covariant=True)
E_contra = TypeVar("E_contra", contravariant=True)

RETRYABLE_STATUS = frozenset({408, 409, 429})  # plus every status >= 500 (529 is Anthropic's "overloaded")
# Error types a server may send inside a 200 event stream (Anthropic's SSE ``error`` event).
RETRYABLE_ERROR_TYPES = frozenset({"overloaded_error", "rate_limit_error", "api_error", "timeout_error"})


class ProviderUnavailable(Exception):
    """A model provider could not answer: it stayed down through our retries, or it refused the request.

    ``reason`` is safe to log and to put in events: it never holds a key or the request's content.
    ``retryable`` tells whether the last failure was transient (the provider may recover later).
    """

    def __init__(
        self, provider: str, reason: str, *, attempts: int = 1, status: int | None = None, retryable: bool = True
    ) -> None:
        super().__init__(f"{provider} unavailable after {attempts} attempt(s): {reason}")
        self.provider = provider
        self.reason = reason
        self.attempts = attempts
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    """Attempts in all, the first one included."""
    timeout: float = 60.0
    """Seconds one attempt may take (connect + each read), never more than what is left of the deadline."""
    deadline: float = 120.0
    """Seconds from the first attempt after which no new attempt starts."""
    base_delay: float = 0.5
    max_delay: float = 20.0
    """Cap of our own backoff; a longer ``retry-after`` is honoured as long as it fits in the deadline."""
    jitter: float = 0.25
    """Our backoff is shortened by a random fraction up to this, so replicas do not retry in lockstep."""

    def backoff(self, retry_number: int) -> float:
        """Our delay before retry ``retry_number`` (1 = the first retry) when the server gave no ``retry-after``."""
        delay = min(self.max_delay, self.base_delay * 2.0 ** (retry_number - 1))
        return delay * (1 - self.jitter * random.random())  # noqa: S311 — jitter, not security


@dataclass(frozen=True)
class Failure:
    """How one failed attempt is classified."""

    retryable: bool
    reason: str
    status: int | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class RetryDecision:
    """One retry that was decided on: after which attempt, why, and how long we waited (``honoured`` = the server's
    ``retry-after`` set the delay)."""

    provider: str
    attempt: int
    reason: str
    status: int | None
    delay: float
    honoured_retry_after: bool


def parse_retry_after(headers: Mapping[str, str] | None, now: datetime | None = None) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, ``retry-after`` in seconds, or an HTTP date."""
    if not headers:
        return None
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_status(status: int, headers: Mapping[str, str] | None, what: str) -> Failure:
    """A failed HTTP status: transient ones are retried (unless the server says ``x-should-retry: false``)."""
    should = (headers or {}).get("x-should-retry")
    retryable = status in RETRYABLE_STATUS or status >= 500
    if should == "true":
        retryable = True
    elif should == "false":
        retryable = False
    return Failure(retryable, f"HTTP {status} {what}".strip(), status, parse_retry_after(headers))


class EventStream(Protocol[E_co]):
    """An SDK's open event stream: iterated inside ``async with``, which closes the connection."""

    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> Any: ...

    def __aiter__(self) -> AsyncIterator[E_co]: ...


class StreamAssembly(Protocol[E_contra]):
    """Puts one attempt's stream events back together into a :class:`ModelResponse`."""

    def absorb(self, event: E_contra) -> str:
        """Fold ``event`` in; the reply text it adds (``""`` if none)."""
        ...

    def response(self) -> ModelResponse: ...


class Retrier:
    """Runs one provider operation under a :class:`RetryPolicy`.

    ``classify`` maps an exception to a :class:`Failure` (``None`` = not a provider failure: re-raise it as is).
    ``sleep`` and ``clock`` are injectable so tests can check delays without waiting; ``on_retry`` observes each
    retry (tests record them; by default they are logged).
    """

    def __init__(
        self,
        provider: str,
        policy: RetryPolicy,
        classify: Callable[[BaseException], Failure | None],
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        on_retry: Callable[[RetryDecision], None] | None = None,
    ) -> None:
        if policy.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.provider = provider
        self.policy = policy
        self.classify = classify
        self._sleep = sleep
        self._clock = clock
        self._on_retry = on_retry

    def start(self) -> RetryBudget:
        return RetryBudget(self, self._clock() + self.policy.deadline)

    async def run(self, operation: Callable[[float], Awaitable[T]]) -> T:
        """Call ``operation(timeout)`` until it succeeds, a failure is not transient, or the budget is spent."""
        budget = self.start()
        while True:
            try:
                return await operation(budget.attempt_timeout())
            except Exception as exc:
                await budget.after_failure(exc)

    async def stream(
        self,
        open_stream: Callable[[float], Awaitable[EventStream[E]]],
        assembly: Callable[[], StreamAssembly[E]],
    ) -> AsyncIterator[StreamEvent]:
        """Text deltas as they arrive, then the assembled response, from ``open_stream(timeout)`` (one attempt).

        A failure before any text was yielded is retried like :meth:`run`; once text has reached the caller a retry
        would repeat it, so a later provider failure raises :class:`ProviderUnavailable` at once.
        """
        budget = self.start()
        while True:
            timeout = budget.attempt_timeout()
            assembled = assembly()
            yielded = False
            try:
                events = await open_stream(timeout)
                async with events:
                    async for event in events:
                        text = assembled.absorb(event)
                        if text:
                            yielded = True
                            yield TextDelta(text)
            except Exception as exc:
                if yielded and self.classify(exc) is not None:
                    raise ProviderUnavailable(self.provider, "the stream broke after the reply had started") from exc
                await budget.after_failure(exc)
                continue
            yield assembled.response()
            return


class RetryBudget:
    """The attempts and deadline of one logical call (:meth:`Retrier.stream` drives it by hand)."""

    def __init__(self, retrier: Retrier, deadline_at: float) -> None:
        self._r = retrier
        self._deadline_at = deadline_at
        self.attempt = 0

    def attempt_timeout(self) -> float:
        """Start an attempt: the timeout it gets. Raises when the deadline has passed."""
        self.attempt += 1
        left = self._deadline_at - self._r._clock()
        if left <= 0:
            raise ProviderUnavailable(self._r.provider, "deadline passed", attempts=self.attempt - 1)
        return min(self._r.policy.timeout, left)

    async def after_failure(self, exc: Exception) -> None:
        """Wait before the next attempt, or raise: the original error when it is not a provider failure,
        :class:`ProviderUnavailable` when the failure is not transient or the budget is spent."""
        r, policy = self._r, self._r.policy
        failure = r.classify(exc)
        if failure is None:
            raise exc
        if not failure.retryable:
            raise ProviderUnavailable(
                r.provider, failure.reason, attempts=self.attempt, status=failure.status, retryable=False
            ) from exc
        if self.attempt >= policy.max_attempts:
            raise ProviderUnavailable(r.provider, failure.reason, attempts=self.attempt, status=failure.status) from exc
        honoured = failure.retry_after is not None
        delay = failure.retry_after if failure.retry_after is not None else policy.backoff(self.attempt)
        if r._clock() + delay >= self._deadline_at:
            why = f"{failure.reason}; retry in {delay:.1f}s would pass the {policy.deadline:.0f}s deadline"
            raise ProviderUnavailable(r.provider, why, attempts=self.attempt, status=failure.status) from exc
        decision = RetryDecision(r.provider, self.attempt, failure.reason, failure.status, delay, honoured)
        if r._on_retry is not None:
            r._on_retry(decision)
        log.warning(
            "%s: attempt %d failed (%s); retrying in %.2fs%s",
            r.provider,
            self.attempt,
            failure.reason,
            delay,
            " as the server asked" if honoured else "",
        )
        await r._sleep(delay)
