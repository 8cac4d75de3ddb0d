"""A replay's diff as the console shows it: per turn, two columns of actions (what the agent did, what the candidate
would do), each tool call marked with what changed — added, missing, other arguments, other approval — and the
reply's word diff as inserted and deleted runs. Built from ``GET /v1/replays/{id}`` (docs/replay.md, "The diff")."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from web.transcript import readable

# A side's mark for a change, by the change's kind (the recorded column, the candidate column).
MARKS = {
    "missing": ("missing", None),
    "added": (None, "added"),
    "changed_arguments": ("changed", "changed"),
    "changed_approval": ("approval", "approval"),
}
MARK_WORDS = {
    "same": "same",
    "missing": "not done by the candidate",
    "added": "only the candidate",
    "changed": "other arguments",
    "approval": "other approval",
}
_RUN = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}", re.DOTALL)


@dataclass
class ToolView:
    tool: str
    arguments: str
    write: bool
    outcome: str
    approval: str
    summary: str
    answered_from: str | None
    mark: str = "same"
    fields: list[tuple[str, str]] = field(default_factory=list)  # the arguments, for people

    @property
    def mark_words(self) -> str:
        return MARK_WORDS[self.mark]


@dataclass
class SideView:
    present: bool
    tools: list[ToolView] = field(default_factory=list)
    handoff: str | None = None
    limits: list[str] = field(default_factory=list)
    refusal: bool = False
    model_failed: str | None = None
    reply: str = ""
    cost_usd: str = "0"


@dataclass
class TurnView:
    index: int | None
    customer_text: str
    recorded: SideView
    candidate: SideView
    identical: bool
    write_difference: bool
    other_changes: list[str]
    reply_runs: list[tuple[str, str]]  # (same | del | ins, words)
    reply_similarity: float | None


def _side(actions: dict[str, Any] | None) -> SideView:
    if actions is None:
        return SideView(present=False)
    tools = [
        ToolView(
            tool=t["tool"],
            arguments=json.dumps(t["arguments"], sort_keys=True, ensure_ascii=False),
            write=bool(t.get("write")),
            outcome=str(t.get("outcome", "")),
            approval=str(t.get("approval", "none")),
            summary=str(t.get("result_summary") or ""),
            answered_from=t.get("answered_from"),
            fields=readable(t["arguments"]),
        )
        for t in actions.get("tools", [])
    ]
    return SideView(
        present=True,
        tools=tools,
        handoff=actions.get("handoff"),
        limits=list(actions.get("limits") or []),
        refusal=bool(actions.get("refusal")),
        model_failed=actions.get("model_failed"),
        reply="\n".join(actions.get("replies") or []),
        cost_usd=str(actions.get("cost_usd", "0")),
    )


def _mark(tools: list[ToolView], name: str, arguments: Any, mark: str) -> None:
    """The first unmarked call of ``name`` with ``arguments`` gets ``mark`` (as the API paired them)."""
    wanted = json.dumps(arguments, sort_keys=True, ensure_ascii=False) if arguments is not None else None
    for view in tools:
        if view.mark == "same" and view.tool == name and (wanted is None or view.arguments == wanted):
            view.mark = mark
            return


def reply_runs(diff: str | None) -> list[tuple[str, str]]:
    """``"a [-b-] {+c+} d"`` as runs: (same, "a "), (del, "b"), (ins, "c"), (same, " d")."""
    if not diff:
        return []
    runs: list[tuple[str, str]] = []
    at = 0
    for found in _RUN.finditer(diff):
        if found.start() > at:
            runs.append(("same", diff[at : found.start()]))
        runs.append(("del", found.group(1)) if found.group(1) is not None else ("ins", found.group(2)))
        at = found.end()
    if at < len(diff):
        runs.append(("same", diff[at:]))
    return runs


def _others(turn: dict[str, Any]) -> list[str]:
    words = {
        "handoff_changed": "handoff",
        "limits_changed": "limits reached",
        "refusal_changed": "refusal",
        "model_failure_changed": "model failure",
    }
    return [label for key, label in words.items() if turn.get(key)]


def turn_view(turn: dict[str, Any]) -> TurnView:
    recorded, candidate = _side(turn.get("recorded")), _side(turn.get("candidate"))
    for change in turn.get("tool_changes", []):
        left, right = MARKS[change["change"]]
        if left:
            _mark(recorded.tools, change["tool"], change.get("recorded_arguments"), left)
        if right:
            _mark(candidate.tools, change["tool"], change.get("candidate_arguments"), right)
    return TurnView(
        index=turn.get("message_index"),
        customer_text=str(turn.get("customer_text") or ""),
        recorded=recorded,
        candidate=candidate,
        identical=bool(turn.get("identical_actions", True)),
        write_difference=bool(turn.get("write_difference")),
        other_changes=_others(turn),
        reply_runs=reply_runs(turn.get("reply_diff")),
        reply_similarity=turn.get("reply_similarity"),
    )


def conversation_views(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each replayed conversation with its turns as views, changed conversations first."""
    out = [{**c, "turn_views": [turn_view(t) for t in c.get("turns", [])]} for c in report.get("conversations", [])]
    return sorted(out, key=lambda c: (c.get("error") is None, c.get("identical_actions", True)))


def candidate_body(form: dict[str, str], tools: list[str]) -> dict[str, Any]:
    """The candidate a console form describes (docs/replay.md, "The candidate"): only what the form changes."""
    candidate: dict[str, Any] = {}
    if name := form.get("name", "").strip():
        candidate["name"] = name[:100]
    if provider := form.get("provider", "").strip():
        candidate["model"] = {"provider": provider}
        if model := form.get("model", "").strip():
            candidate["model"]["model"] = model
    policy = {k: form[k].strip() for k in ("persona", "instructions") if form.get(k, "").strip()}
    if policy:
        candidate["policy"] = policy
    disabled = [t for t in tools if form.get(f"disable_{t}")]
    if disabled:
        candidate["tools"] = {"disabled": disabled}
    return candidate
