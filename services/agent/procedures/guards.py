"""The procedures at run time, as pure functions of the folded conversation: which procedures a customer message
brings in (no model call: keywords and the words of ``applies_when``), whether a tool call may go out (every guard
of every enabled procedure on that tool, whether or not the procedure matched: the match decides what the model
reads, never what it may do), and whether the conversation must go to a person.

``decide`` calls them, so the live loop, replays and simulations enforce the same guards.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from services.agent.procedures.compiled import CompiledCondition, CompiledGuard, Procedure, words_of
from services.agent.procedures.expressions import Evaluator

GuardKind = Literal["required_call", "precondition", "confirmation"]

_YES = re.compile(
    r"\b(yes|yeah|yep|yup|sure|ok|okay|confirm|confirmed|i confirm|correct|go ahead|please do|do it|sounds good|"
    r"agreed|that's right|that is right)\b",
    re.IGNORECASE,
)
_NO = re.compile(r"\b(no|nope|not|don't|dont|do not|cancel|stop|wait|never|rather not)\b", re.IGNORECASE)


def affirmative(text: str) -> bool:
    """The customer said yes, and did not also say no (``"yes, but wait"`` is not a yes)."""
    return bool(_YES.search(text)) and not _NO.search(text)


class Facts(Protocol):
    """What the guards read of a conversation (``ConversationState`` provides it)."""

    def result_of(self, tool: str) -> Mapping[str, Any] | None: ...

    def confirmed(self, tool: str, arguments: Mapping[str, Any]) -> bool: ...


@dataclass(frozen=True)
class Blocked:
    """A call a guard stopped: which procedure and guard, the kind, what the model is told and the values seen."""

    procedure: str
    guard: str
    kind: GuardKind
    reason: str
    values: dict[str, Any] = field(default_factory=dict)


def _data(facts: Facts, guard: CompiledGuard, procedure: Procedure, arguments: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {guard.tool: arguments}
    for tool in procedure.document.tools:
        if tool != guard.tool and (result := facts.result_of(tool)) is not None:
            data[tool] = result
    return data


def _arguments(tool: str, arguments: Mapping[str, Any]) -> str:
    return f"{tool}({json.dumps(dict(arguments), sort_keys=True, default=str)})"


def _check_guard(
    procedure: Procedure, guard: CompiledGuard, tool: str, arguments: Mapping[str, Any], facts: Facts, now: datetime
) -> Blocked | None:
    name = procedure.name
    for required in guard.requires:
        if facts.result_of(required) is None:
            why = guard.says or f"{tool} needs a {required} result first: call {required} and check it"
            return Blocked(name, f"requires {required}", "required_call", why)
    evaluator = Evaluator(now, _data(facts, guard, procedure, arguments))
    for condition in guard.preconditions:
        holds, trouble = evaluator.holds(condition.expression)
        if not holds:
            said = condition.says or f"{condition.expression.text} does not hold"
            why = "; ".join(p for p in (said, trouble, guard.says) if p)
            values = evaluator.shown(condition.expression)
            return Blocked(name, condition.expression.text, "precondition", why, values)
    if guard.confirm and not facts.confirmed(tool, arguments):
        why = (
            f"not done yet: the customer must confirm first. Tell them exactly what you will do "
            f"({_arguments(tool, arguments)}) and ask them to confirm; call it again with the same arguments after "
            "they say yes"
        )
        return Blocked(name, "confirm", "confirmation", why, {"arguments": dict(arguments)})
    return None


def check_call(
    procedures: Iterable[Procedure], tool: str, arguments: Mapping[str, Any], facts: Facts, now: datetime
) -> Blocked | None:
    """The first guard (of any enabled procedure) that stops this call, or None: it may go out."""
    confirmation: Blocked | None = None
    for procedure in procedures:
        if not procedure.document.enabled:
            continue
        for guard in procedure.guards:
            if guard.tool != tool:
                continue
            blocked = _check_guard(procedure, guard, tool, arguments, facts, now)
            if blocked is not None and blocked.kind != "confirmation":
                return blocked
            confirmation = confirmation or blocked
    # A confirmation is asked for only when nothing else forbids the call: asking for a yes to a refund that will be
    # refused anyway would mislead the customer.
    return confirmation


@dataclass(frozen=True)
class Match:
    procedure: Procedure
    terms: tuple[str, ...]  # the keywords (or words of applies_when) that matched
    score: int


def matching(procedures: Sequence[Procedure], text: str, limit: int = 3) -> list[Match]:
    """The procedures a customer message brings in, best first: a keyword counts 3, two or more words shared with
    ``applies_when`` count one each. No model call; about a microsecond per procedure."""
    words = words_of(text)
    present = frozenset(words)
    normal = " " + " ".join(words) + " "
    found: list[Match] = []
    for procedure in procedures:
        if not procedure.document.enabled:
            continue
        terms = [k for k in procedure.words if k in present]
        terms += [p for p in procedure.phrases if f" {p} " in normal]
        topic = procedure.topic & present
        score = 3 * len(terms) + (len(topic) if len(topic) >= 2 else 0)
        if score:
            found.append(Match(procedure, tuple(sorted(terms)) or tuple(sorted(topic)), score))
    found.sort(key=lambda m: (-m.score, m.procedure.name))
    return found[:limit]


def hand_off(
    applied: Iterable[Procedure], facts: Facts, fresh: frozenset[str], now: datetime
) -> tuple[Procedure, CompiledCondition] | None:
    """The first ``hand_off_when`` condition of an applied procedure that holds over results that came in during
    this turn (``fresh``: tools answered since the turn began), or None. A condition that cannot be computed does
    not hand over."""
    for procedure in applied:
        for condition in procedure.hand_off:
            names = condition.expression.names
            if not names & fresh:
                continue
            data = {n: r for n in names if (r := facts.result_of(n)) is not None}
            holds, _ = Evaluator(now, data).holds(condition.expression)
            if holds:
                return procedure, condition
    return None
