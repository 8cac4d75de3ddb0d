"""What each tenant's connection has been told about a provider's rate limits (see ``RateLimitSettings``)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx2

from services.integrations.manifest import Manifest


@dataclass
class RateLimitGate:
    """Until when each tenant's connection to a provider must not call it (this process's view)."""

    _until: dict[tuple[str, str], float] = field(default_factory=dict)

    def wait_left(self, tenant_id: str, integration: str) -> float:
        return max(0.0, self._until.get((tenant_id, integration), 0.0) - time.monotonic())

    def observe(self, tenant_id: str, manifest: Manifest, response: httpx2.Response) -> float | None:
        """Learn from an answer; returns the wait it asks for when it is a refusal, else None."""
        limits, key = manifest.rate_limit, (tenant_id, manifest.name)
        if response.status_code in limits.limited_statuses:
            wait = _seconds(response.headers.get(limits.retry_after_header)) or limits.default_wait_seconds
            self._until[key] = time.monotonic() + wait
            return wait
        remaining = _seconds(response.headers.get(limits.remaining_header or "")) if limits.remaining_header else None
        reset = _seconds(response.headers.get(limits.reset_header or "")) if limits.reset_header else None
        if remaining == 0 and reset:
            self._until[key] = time.monotonic() + reset
        return None


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
