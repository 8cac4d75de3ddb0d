"""Token buckets: what a rate limit per key (an API key, a widget key, a client address) counts, kept in memory.

Each bucket holds up to ``burst`` tokens and refills at ``per_minute / 60`` tokens a second; a request takes one.
Used by the gateway of ``deskpilot up`` (per API key, widget key and client address) and by the conversation
service (the web chat's per-action limits).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

# Buckets that have refilled completely are forgotten (they are the same as new ones) at most this often.
SWEEP_SECONDS = 60.0


def client_network(address: str) -> str:
    """What a per-client bucket counts: the IPv4 address, or the IPv6 /64 (one subscriber's usual allocation, in
    which a client can pick any address)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)


@dataclass(frozen=True)
class Rate:
    per_minute: float
    burst: int

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


class TokenBuckets:
    """One token bucket per key, all with the same rate."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._swept = 0.0

    def tokens(self, key: str, now: float) -> float:
        level, at = self._buckets.get(key, (float(self.rate.burst), now))
        return min(float(self.rate.burst), level + (now - at) * self.rate.per_second)

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` has a whole token (0 when it has one now)."""
        missing = 1.0 - self.tokens(key, now)
        return max(0.0, missing / self.rate.per_second)

    def take(self, key: str, now: float) -> None:
        self._buckets[key] = (self.tokens(key, now) - 1.0, now)
        if now - self._swept >= SWEEP_SECONDS:
            self._swept = now
            burst = float(self.rate.burst)
            self._buckets = {k: v for k, v in self._buckets.items() if self.tokens(k, now) < burst}

    def __len__(self) -> int:
        return len(self._buckets)
