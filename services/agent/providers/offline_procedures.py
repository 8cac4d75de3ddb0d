"""How the offline model follows the procedures it is shown. It cannot read their steps, so it follows what their
guards spell out, the way the steps say in words: make a guarded call's required lookups first, then the call; when
the runtime holds the call for the customer's yes, ask for it; when the customer says yes, make the held call again
with the same arguments. The runtime still checks every guard (a too-late refund is refused, and the offline model
passes the reason on)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from libs.events import ToolSpec, new_id
from services.agent.procedures.compiled import Procedure
from services.agent.procedures.guards import affirmative
from services.agent.providers.base import ModelMessage, ToolCall

Fill = Callable[[str, ToolSpec], dict[str, Any] | None]


def _since_last_customer_message(messages: Sequence[ModelMessage]) -> list[ModelMessage]:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == "user":
            return list(messages[i + 1 :])
    return list(messages)


def _looked_up(messages: Sequence[ModelMessage], tool: str, arguments: dict[str, Any]) -> bool:
    """``tool`` answered (not an error) a call with these arguments, in this conversation."""
    asked = {c.id: c.arguments for m in messages if m.role == "assistant" for c in m.tool_calls if c.name == tool}
    return any(
        m.role == "tool" and not m.is_error and m.tool_call_id in asked and asked[m.tool_call_id] == arguments
        for m in messages
    )


def lookup_first(
    call: ToolCall,
    text: str,
    messages: Sequence[ModelMessage],
    procedures: Sequence[Procedure],
    tools: list[ToolSpec],
    fill: Fill,
) -> ToolCall:
    """``call``, or first a lookup a guard on it requires (filled from the customer's ``text``) not yet made."""
    specs = {t.name: t for t in tools}
    for procedure in procedures:
        for guard in procedure.guards:
            if guard.tool != call.name:
                continue
            for required in guard.requires:
                spec = specs.get(required)
                arguments = fill(text, spec) if spec is not None else None
                if arguments is not None and not _looked_up(messages, required, arguments):
                    return ToolCall(new_id("call"), required, arguments)
    return call


def next_after_lookup(
    messages: Sequence[ModelMessage], procedures: Sequence[Procedure], intended: ToolCall | None
) -> ToolCall | None:
    """After a required lookup answered: the call it was made for (what the customer asked), if not made yet."""
    turn = _since_last_customer_message(messages)
    if intended is None or not turn or turn[-1].is_error:
        return None
    required = {r for p in procedures for g in p.guards if g.tool == intended.name for r in g.requires}
    made = {c.name for m in turn if m.role == "assistant" for c in m.tool_calls}
    if turn[-1].tool_name in required and intended.name not in made:
        return intended
    return None


def confirmation_question(messages: Sequence[ModelMessage]) -> str | None:
    """The runtime held a call for the customer's yes: what to ask them (with what the lookups found)."""
    last = messages[-1]
    if last.role != "tool" or last.blocked != "confirmation":
        return None
    held = _held_call(messages, last)
    if held is None:
        return None
    found = [
        str(m.result["summary"])
        for m in _since_last_customer_message(messages)
        if m.role == "tool" and not m.is_error and m.result and isinstance(m.result.get("summary"), str)
    ]
    what = ", ".join(f"{k} {v}" for k, v in held.arguments.items())
    ask = f"I can do this now: {held.name.replace('_', ' ')} ({what}). Shall I go ahead? Please reply yes to confirm."
    return " ".join([*found, ask])


def _held_call(messages: Sequence[ModelMessage], blocked: ModelMessage) -> ToolCall | None:
    calls = [c for m in messages if m.role == "assistant" for c in m.tool_calls if c.id == blocked.tool_call_id]
    return calls[-1] if calls else None


def confirmed_call(messages: Sequence[ModelMessage]) -> ToolCall | None:
    """The customer's last message says yes to a call held for it: that call again, with the same arguments."""
    if not messages or messages[-1].role != "user" or not affirmative(messages[-1].text):
        return None
    for m in reversed(messages[:-1]):
        if m.role == "user":
            return None
        if m.role == "tool" and m.blocked == "confirmation":
            held = _held_call(messages, m)
            return ToolCall(new_id("call"), held.name, dict(held.arguments)) if held is not None else None
    return None
