"""A tenant's own Stripe ``api_base_url`` is a public destination (``libs.platform.destinations``): one that resolves
into the operator's network is a permanent failure, and nothing is sent to it."""

from __future__ import annotations

import pytest

from libs.platform.destinations import Destinations
from services.integrations.errors import ToolError
from services.integrations.providers import stripe
from services.integrations.providers.stripe import StripeRequest

ANSWERS = {"api.stripe.example": ["10.0.0.9"], "meta.example": ["100.100.100.200"]}


async def resolve(host: str, _port: int) -> list[str]:
    return ANSWERS[host]


@pytest.mark.parametrize("base", ["https://api.stripe.example", "https://meta.example"])
async def test_a_private_api_base_url_is_not_called(base: str) -> None:
    request = StripeRequest("GET", "/v1/balance", {}, None)
    with pytest.raises(ToolError, match=r"Stripe was not called: .* resolves to a private address") as refused:
        await stripe._send("sk_test_x", base, request, 0.0, Destinations(resolve=resolve))
    assert refused.value.kind == "permanent"
