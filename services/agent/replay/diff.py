"""The diff of *actions* between a recorded conversation and a candidate's replay of it, turn by turn, and the
summary over many conversations.

Turns are aligned by the customer message that opened them. Tool calls are compared as (tool, arguments): a call on
both sides is the same action; a call of the same tool with other arguments is a *changed* one; anything else was
*added* by the candidate or is *missing* from it. Handoffs, limit hits, refusals and model failures are actions too.
Replies are words, not actions: they get a word diff and a similarity score, and never make actions differ.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainSerializer

from libs.events import Money
from services.agent.sandbox.actions import ToolAction, TurnActions

# A difference of money may be negative (the candidate is cheaper); exact decimals in fixed-point on the wire.
SignedMoney = Annotated[Decimal, PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]


class ToolChange(BaseModel):
    change: Literal["added", "missing", "changed_arguments", "changed_approval"]
    tool: str
    write: bool
    recorded_arguments: dict[str, Any] | None = None
    candidate_arguments: dict[str, Any] | None = None
    recorded_approval: str | None = None
    candidate_approval: str | None = None


class TurnDiff(BaseModel):
    """One customer message and what each side did about it (``None``: that side had no turn for it)."""

    message_index: int | None
    customer_text: str
    recorded: TurnActions | None
    candidate: TurnActions | None
    tool_changes: list[ToolChange] = []
    handoff_changed: bool = False
    limits_changed: bool = False
    refusal_changed: bool = False
    model_failure_changed: bool = False
    reply_similarity: float | None = Field(default=None, description="0-1, words in common (1: the same text)")
    reply_diff: str | None = Field(default=None, description="word diff: [-recorded words-]{+candidate words+}")
    identical_actions: bool = True
    write_difference: bool = False


class ConversationDiff(BaseModel):
    conversation_id: str
    recorded_model: str = ""
    candidate_model: str = ""
    turns: list[TurnDiff] = []
    identical_actions: bool = True
    write_difference: bool = False
    recorded_cost_usd: Money = Decimal(0)
    candidate_cost_usd: Money = Decimal(0)
    recorded_model_ms: float = 0.0
    candidate_model_ms: float = 0.0
    candidate_elapsed_ms: float = Field(default=0.0, description="wall time of the candidate's whole replay")
    error: str | None = Field(default=None, description="why this conversation could not be replayed")


class ReplaySummary(BaseModel):
    conversations: int
    replayed: int
    failed: int
    identical_actions_pct: float = Field(description="% of replayed conversations whose actions are all the same")
    write_difference_pct: float = Field(description="% of replayed conversations with any write action different")
    recorded_cost_usd: Money
    candidate_cost_usd: Money
    cost_delta_usd: SignedMoney = Field(description="candidate - recorded")
    mean_reply_similarity: float | None
    recorded_model_ms: float
    candidate_model_ms: float


def _key(action: ToolAction) -> str:
    return f"{action.tool}:{json.dumps(action.arguments, sort_keys=True, default=str)}"


def tool_changes(recorded: Sequence[ToolAction], candidate: Sequence[ToolAction]) -> list[ToolChange]:
    """Calls on both sides cancel out; of the rest, same-tool pairs are changed arguments (in order)."""
    left, right = list(recorded), list(candidate)
    changes: list[ToolChange] = []
    for action in list(left):
        twin = next((c for c in right if _key(c) == _key(action)), None)
        if twin is None:
            continue
        left.remove(action)
        right.remove(twin)
        if (action.approval == "none") != (twin.approval == "none"):  # one side needed a person's approval
            changes.append(_change("changed_approval", action, twin))
    for action in list(left):
        twin = next((c for c in right if c.tool == action.tool), None)
        if twin is not None:
            left.remove(action)
            right.remove(twin)
            changes.append(_change("changed_arguments", action, twin))
    changes += [_change("missing", a, None) for a in left]
    changes += [_change("added", None, c) for c in right]
    return changes


def _change(kind: str, recorded: ToolAction | None, candidate: ToolAction | None) -> ToolChange:
    either = recorded or candidate
    assert either is not None
    return ToolChange.model_validate(
        {
            "change": kind,
            "tool": either.tool,
            "write": (recorded is not None and recorded.write) or (candidate is not None and candidate.write),
            "recorded_arguments": recorded.arguments if recorded else None,
            "candidate_arguments": candidate.arguments if candidate else None,
            "recorded_approval": recorded.approval if recorded else None,
            "candidate_approval": candidate.approval if candidate else None,
        }
    )


def word_diff(recorded: str, candidate: str) -> tuple[float, str]:
    """Similarity (0-1) of two replies by their words, and a word diff ``[-old-]{+new+}``."""
    a, b = recorded.split(), candidate.split()
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(" ".join(a[i1:i2]))
            continue
        if i2 > i1:
            parts.append("[-" + " ".join(a[i1:i2]) + "-]")
        if j2 > j1:
            parts.append("{+" + " ".join(b[j1:j2]) + "+}")
    return round(matcher.ratio() if a or b else 1.0, 4), " ".join(parts)


def diff_turn(index: int | None, recorded: TurnActions | None, candidate: TurnActions | None) -> TurnDiff:
    either = recorded or candidate
    assert either is not None
    empty = TurnActions(turn_id="", message_index=index)
    old, new = recorded or empty, candidate or empty
    turn = TurnDiff(
        message_index=index,
        customer_text=either.customer_text,
        recorded=recorded,
        candidate=candidate,
        tool_changes=tool_changes(old.tools, new.tools),
        handoff_changed=(old.handoff is None) != (new.handoff is None),
        limits_changed=sorted(old.limits) != sorted(new.limits),
        refusal_changed=old.refusal != new.refusal,
        model_failure_changed=(old.model_failed is None) != (new.model_failed is None),
    )
    if old.replies or new.replies:
        turn.reply_similarity, turn.reply_diff = word_diff(old.reply, new.reply)
    turn.identical_actions = not (
        turn.tool_changes
        or turn.handoff_changed
        or turn.limits_changed
        or turn.refusal_changed
        or turn.model_failure_changed
    )
    turn.write_difference = any(c.write for c in turn.tool_changes)
    return turn


def diff_conversation(
    conversation_id: str, recorded: Sequence[TurnActions], candidate: Sequence[TurnActions]
) -> ConversationDiff:
    """Turns aligned by the customer message that opened them; turns without one keep their order at the end."""
    by_message: dict[int | None, tuple[list[TurnActions], list[TurnActions]]] = {}
    for side, turns in ((0, recorded), (1, candidate)):
        for turn in turns:
            by_message.setdefault(turn.message_index, ([], []))[side].append(turn)
    diffs: list[TurnDiff] = []
    for index in sorted(by_message, key=lambda i: (i is None, i or 0)):
        old, new = by_message[index]
        for n in range(max(len(old), len(new))):
            diffs.append(diff_turn(index, old[n] if n < len(old) else None, new[n] if n < len(new) else None))
    return ConversationDiff(
        conversation_id=conversation_id,
        recorded_model=next((f"{t.provider}/{t.model}" for t in recorded), ""),
        candidate_model=next((f"{t.provider}/{t.model}" for t in candidate), ""),
        turns=diffs,
        identical_actions=all(d.identical_actions for d in diffs),
        write_difference=any(d.write_difference for d in diffs),
        recorded_cost_usd=sum((t.cost_usd for t in recorded), Decimal(0)),
        candidate_cost_usd=sum((t.cost_usd for t in candidate), Decimal(0)),
        recorded_model_ms=round(sum(t.model_ms for t in recorded), 3),
        candidate_model_ms=round(sum(t.model_ms for t in candidate), 3),
    )


def summarise(diffs: Sequence[ConversationDiff], total: int | None = None) -> ReplaySummary:
    done = [d for d in diffs if d.error is None]
    n = len(done)
    similarities = [t.reply_similarity for d in done for t in d.turns if t.reply_similarity is not None]
    recorded = sum((d.recorded_cost_usd for d in done), Decimal(0))
    candidate = sum((d.candidate_cost_usd for d in done), Decimal(0))
    return ReplaySummary(
        conversations=total if total is not None else len(diffs),
        replayed=n,
        failed=len(diffs) - n,
        identical_actions_pct=round(100 * sum(d.identical_actions for d in done) / n, 1) if n else 0.0,
        write_difference_pct=round(100 * sum(d.write_difference for d in done) / n, 1) if n else 0.0,
        recorded_cost_usd=recorded,
        candidate_cost_usd=candidate,
        cost_delta_usd=candidate - recorded,
        mean_reply_similarity=round(sum(similarities) / len(similarities), 4) if similarities else None,
        recorded_model_ms=round(sum(d.recorded_model_ms for d in done), 3),
        candidate_model_ms=round(sum(d.candidate_model_ms for d in done), 3),
    )
