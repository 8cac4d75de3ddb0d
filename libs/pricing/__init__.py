"""The dated price table shared by the agent (cost caps, ``llm.called.cost_usd``) and billing (the ledger).

Prices are per million tokens, in exact decimal dollars, each valid from a date: a call is priced with the entry in
force on the day it was made, so old conversations keep the prices of their day. Add a new dated entry to change
a price; never edit an old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class ModelPrice:
    provider: str
    model: str
    effective_from: date
    input_per_mtok: Decimal
    output_per_mtok: Decimal
    cache_write_per_mtok: Decimal
    cache_read_per_mtok: Decimal


PRICES: tuple[ModelPrice, ...] = (
    ModelPrice("offline", "deskpilot-offline-1", date(2026, 1, 1), Decimal(0), Decimal(0), Decimal(0), Decimal(0)),
    ModelPrice(
        "anthropic", "claude-sonnet-4-5", date(2025, 9, 29), Decimal(3), Decimal(15), Decimal("3.75"), Decimal("0.30")
    ),
    ModelPrice(
        "anthropic", "claude-haiku-4-5", date(2025, 10, 15), Decimal(1), Decimal(5), Decimal("1.25"), Decimal("0.10")
    ),
    ModelPrice(
        "openai", "gpt-4.1-mini", date(2025, 4, 14), Decimal("0.40"), Decimal("1.60"), Decimal(0), Decimal("0.10")
    ),
)


class UnknownPrice(LookupError):
    """No price is known for a model on a date; cost caps cannot be enforced for it."""


def price_for(provider: str, model: str, on: date) -> ModelPrice:
    candidates = [p for p in PRICES if p.provider == provider and p.model == model and p.effective_from <= on]
    if not candidates:
        raise UnknownPrice(f"no price for {provider}/{model} on {on.isoformat()}")
    return max(candidates, key=lambda p: p.effective_from)


def llm_cost(
    provider: str,
    model: str,
    on: date,
    *,
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> Decimal:
    """Exact dollar cost of one model call."""
    p = price_for(provider, model, on)
    total = (
        p.input_per_mtok * input_tokens
        + p.output_per_mtok * output_tokens
        + p.cache_read_per_mtok * cache_read_tokens
        + p.cache_write_per_mtok * cache_write_tokens
    )
    return total / MILLION
