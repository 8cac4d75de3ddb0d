"""The dated price table shared by the agent (cost caps, ``llm.called.cost_usd``) and billing (the ledger).

Prices are per million tokens, in exact decimal dollars, each valid from a date: a call is priced with the entry in
force on the day it was made, so old conversations keep the prices of their day. Add a new dated entry to change
a price; never edit an old one.

Tool calls may carry a price of their own (a paid vendor API, an embedding lookup): :data:`TOOL_PRICES`, per call,
dated the same way. A tool without an entry costs nothing. Billing prices every ledger line from this table, so it
stays the single source of prices.
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
    # Sonnet 4.6 (released 2026-02-17): the default since Sonnet 4.5 reaches end of life on 2026-11-30.
    ModelPrice(
        "anthropic", "claude-sonnet-4-6", date(2026, 2, 17), Decimal(3), Decimal(15), Decimal("3.75"), Decimal("0.30")
    ),
    ModelPrice(
        "anthropic", "claude-haiku-4-5", date(2025, 10, 15), Decimal(1), Decimal(5), Decimal("1.25"), Decimal("0.10")
    ),
    ModelPrice(
        "openai", "gpt-4.1-mini", date(2025, 4, 14), Decimal("0.40"), Decimal("1.60"), Decimal(0), Decimal("0.10")
    ),
    # Self-hosted models (vLLM, Ollama, llama.cpp) have no per-token price; their cost is the operator's hardware.
    # "*" matches any model of the provider; an exact entry, when added, wins.
    ModelPrice("openai_compatible", "*", date(2024, 1, 1), Decimal(0), Decimal(0), Decimal(0), Decimal(0)),
)


@dataclass(frozen=True)
class ToolPrice:
    """The price of one executed call of a tool, from a date. Calls that never executed are free."""

    tool: str
    effective_from: date
    per_call: Decimal


TOOL_PRICES: tuple[ToolPrice, ...] = (
    # one embedding + vector search per call (estimate of the knowledge service's own spend)
    ToolPrice("search_knowledge", date(2026, 1, 1), Decimal("0.0002")),
)


class UnknownPrice(LookupError):
    """No price is known for a model on a date; cost caps cannot be enforced for it."""


def price_for(provider: str, model: str, on: date) -> ModelPrice:
    candidates = [p for p in PRICES if p.provider == provider and p.model == model and p.effective_from <= on]
    if not candidates:
        candidates = [p for p in PRICES if p.provider == provider and p.model == "*" and p.effective_from <= on]
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


def tool_price(tool: str, on: date) -> ToolPrice | None:
    """The tool's price entry in force on ``on``, or None when the tool has no price (it costs nothing)."""
    candidates = [p for p in TOOL_PRICES if p.tool == tool and p.effective_from <= on]
    return max(candidates, key=lambda p: p.effective_from) if candidates else None


def tool_cost(tool: str, on: date, *, executed: bool = True) -> Decimal:
    """Exact dollar cost of one tool call; a call that never executed (invalid arguments, unknown tool, dry run)
    costs nothing."""
    price = tool_price(tool, on)
    if price is None or not executed:
        return Decimal(0)
    return price.per_call
