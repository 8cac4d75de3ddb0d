"""Identifiers: time-sortable UUIDv7 strings for events, and prefixed ids for aggregates."""

from __future__ import annotations

import os
import re
import time
import uuid

_SAFE_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def uuid7() -> str:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits; sorts by creation time."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & 0x3FFF_FFFF_FFFF_FFFF  # rand_b, 62 bits
    return str(uuid.UUID(int=value))


def new_id(prefix: str) -> str:
    """An aggregate id such as ``conv_0192…``: a prefix naming the kind, then a UUIDv7 without dashes."""
    return f"{prefix}_{uuid7().replace('-', '')}"


def is_subject_token(value: str) -> bool:
    """True when ``value`` can stand as one NATS subject token (ids become subject tokens)."""
    return bool(_SAFE_TOKEN.match(value))
