"""Checking a task's expected end state against what the agent did (its turns' actions) and the world it left."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from services.agent.sandbox.actions import ToolAction, TurnActions
from services.agent.simulation.suite import Expect, StoreState, ToolCallMatch

COMPARISONS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "ne": lambda a, b: a != b,
}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def value_matches(expected: Any, actual: Any) -> bool:
    """One argument: a comparison (``{gt: 100}``, ``{contains: "x"}``) or a value (numbers compared by value)."""
    if isinstance(expected, dict) and len(expected) == 1:
        ((op, operand),) = expected.items()
        if op == "contains":
            return actual is not None and str(operand).lower() in str(actual).lower()
        if op in COMPARISONS:
            left, right = _number(actual), _number(operand)
            return left is not None and right is not None and COMPARISONS[op](left, right)
    if expected == actual:
        return True
    # Numbers by value, whichever side wrote one as text: 20 matches "20.00", "1001" matches 1001.
    left, right = _number(expected), _number(actual)
    numeric = isinstance(expected, int | float) or isinstance(actual, int | float) or _is_numeral(expected, actual)
    return numeric and left is not None and left == right


def _is_numeral(*values: Any) -> bool:
    return all(isinstance(v, str) and v.replace(".", "", 1).isdigit() for v in values)


def arguments_match(expected: dict[str, Any], actual: dict[str, Any]) -> bool:
    return all(name in actual and value_matches(want, actual[name]) for name, want in expected.items())


def call_matches(match: ToolCallMatch, action: ToolAction) -> bool:
    return action.tool == match.tool and arguments_match(match.arguments, action.arguments)


def _shown(match: ToolCallMatch) -> str:
    return f"{match.tool}({json.dumps(match.arguments, sort_keys=True)})" if match.arguments else match.tool


@dataclass(frozen=True)
class Outcome:
    """What a trial left behind: the agent's turns and the demo store's state (None without a demo store)."""

    turns: list[TurnActions]
    store: dict[str, Any] | None

    @property
    def executed(self) -> list[ToolAction]:
        """Calls that went out to a tool (not the ones a person declined or that wait for one)."""
        return [
            a for t in self.turns for a in t.tools if a.approval in ("none", "approved") and a.outcome != "not sent"
        ]

    @property
    def put_to_a_person(self) -> list[ToolAction]:
        return [a for t in self.turns for a in t.tools if a.approval != "none"]

    @property
    def told(self) -> str:
        return "\n".join(r for t in self.turns for r in t.replies)


def _store_failures(expected: StoreState, store: dict[str, Any] | None) -> list[str]:
    if store is None:
        return ["expected a demo store state, but the task has no demo store"]
    out: list[str] = []
    for part in ("orders", "subscriptions"):
        for key, fields in getattr(expected, part).items():
            found = store[part].get(key)
            if found is None:
                out.append(f"the demo store has no {part[:-1]} {key!r}")
                continue
            out += [
                f"{part[:-1]} {key}: {name} is {found.get(name)!r}, expected {want!r}"
                for name, want in fields.items()
                if not value_matches(want, found.get(name))
            ]
    if expected.refunds is not None and len(store["refunds"]) != expected.refunds:
        out.append(f"{len(store['refunds'])} refunds were made, expected {expected.refunds}")
    return out


def failures(expect: Expect, outcome: Outcome) -> list[str]:
    """Every expectation that does not hold, in words; empty when the task passed."""
    out: list[str] = []
    executed, asked = outcome.executed, outcome.put_to_a_person
    out += [
        f"expected a call of {_shown(m)}" for m in expect.tool_calls if not any(call_matches(m, a) for a in executed)
    ]
    out += [
        f"{_shown(m)} must not be called" for m in expect.no_tool_calls if any(call_matches(m, a) for a in executed)
    ]
    out += [
        f"expected {_shown(m)} to be put to a person for approval"
        for m in expect.approval_requested
        if not any(call_matches(m, a) for a in asked)
    ]
    handed_over = any(t.handoff is not None for t in outcome.turns)
    if expect.handoff is not None and handed_over != expect.handoff:
        out.append("expected a handoff to a human" if expect.handoff else "the conversation was handed to a human")
    told = outcome.told.lower()
    out += [f"the customer was never told {text!r}" for text in expect.told if text.lower() not in told]
    out += [f"the customer was told {text!r}" for text in expect.not_told if text.lower() in told]
    if expect.store is not None:
        out += _store_failures(expect.store, outcome.store)
    if expect.any_of:
        alternatives = [failures(e, outcome) for e in expect.any_of]
        if all(alternatives):
            out.append("none of any_of held: " + " | ".join("; ".join(a) for a in alternatives))
    return out
