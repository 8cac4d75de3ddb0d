"""Schemathesis hooks and a serializer of the API fuzzing (``benchmarks/api_fuzz.py`` and the in-suite run in
tests/e2e): load with ``SCHEMATHESIS_HOOKS=benchmarks.fuzz_hooks``.

The fuzzer plays a client that follows the contract: a valid ``Idempotency-Key`` it sends is its own for that one
request. Generated keys repeat (the coverage phase sends the same few values to every operation), and the same key
with another request is rightly refused (422 ``idempotency_key_reused``, tested in tests/contract/test_idempotency.py);
so a valid generated key is made unique per request. An invalid one is sent as generated, for the negative checks.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

_VALID_KEY = re.compile(r"[\x20-\x7e]{1,200}")


@schemathesis.hook
def before_call(_context: Any, case: Any, _kwargs: dict[str, Any]) -> None:
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and _VALID_KEY.fullmatch(value):
            headers[name] = f"fuzz-{uuid.uuid4().hex}"
            # A valid key for a valid one: what the case tests is unchanged. Without this, schemathesis revalidates
            # the edited headers, with the API key it added since, and relabels a "missing Authorization" case.
            case._sync_validated_hashes()


# An import's body is the file itself (``format: binary``): a PDF goes on the wire as the bytes generated, as
# schemathesis sends application/octet-stream (text/* types it sends already).
schemathesis.serializer.alias("application/pdf", "application/octet-stream")
