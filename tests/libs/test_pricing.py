"""The dated price table: the price of the day, exact decimals, self-hosted models free, unknown models refused."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from libs.pricing import UnknownPrice, llm_cost, price_for


def test_a_call_costs_exactly_its_tokens_at_the_price_of_its_day() -> None:
    cost = llm_cost(
        "anthropic",
        "claude-sonnet-4-5",
        date(2026, 1, 5),
        input_tokens=1200,
        output_tokens=80,
        cache_read_tokens=10_000,
        cache_write_tokens=2000,
    )
    assert cost == (Decimal(3) * 1200 + Decimal(15) * 80 + Decimal("0.30") * 10_000 + Decimal("3.75") * 2000) / 10**6


def test_a_price_is_unknown_before_its_first_day() -> None:
    with pytest.raises(UnknownPrice):
        price_for("anthropic", "claude-sonnet-4-5", date(2024, 1, 1))


def test_self_hosted_models_cost_nothing_per_token() -> None:
    assert (
        llm_cost("openai_compatible", "llama-3.3-70b", date(2026, 6, 1), input_tokens=10**6, output_tokens=10**6) == 0
    )


def test_unknown_models_are_refused() -> None:
    with pytest.raises(UnknownPrice, match="no-such-model"):
        price_for("openai", "no-such-model", date(2026, 6, 1))
