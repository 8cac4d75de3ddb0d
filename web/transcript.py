"""A conversation's event log (``GET /v1/conversations/{id}/events``) shaped for people: the transcript with the
agent's actions (each tool call with its arguments and result, dry-run or live, approvals) for the inbox, and every
event with its cause and cost for the console's timeline."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Event = dict[str, Any]


def pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def _words(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return ", ".join(_words(v) for v in value) or "none"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def readable(arguments: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A tool call's arguments (or result) as ``(name, value)`` lines a person reads at a glance: nested objects by
    dotted name, lists of objects numbered from 1, lists of plain values joined, ``order_number`` shown as "order
    number"."""
    if not isinstance(arguments, dict):
        return [(prefix or "value", _words(arguments))]
    out: list[tuple[str, str]] = []
    for key in sorted(arguments):
        name = f"{prefix}.{key}" if prefix else str(key)
        value = arguments[key]
        if isinstance(value, dict) and value:
            out += readable(value, name)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for number, element in enumerate(value, 1):
                out += readable(element, f"{name} {number}") or [(f"{name} {number}".replace("_", " "), "—")]
        else:
            out.append((name.replace("_", " "), _words(value)))
    return [(n.replace("_", " "), v) for n, v in out]


def shortened(lines: list[tuple[str, str]], most: int = 24) -> list[tuple[str, str]]:
    """At most ``most`` lines, the rest counted (a search's or an order's result can be long)."""
    if len(lines) <= most:
        return lines
    return [*lines[: most - 1], ("…", f"{len(lines) - most + 1} more")]


@dataclass
class Item:
    """One line of the transcript: ``kind`` is customer | ai | human | action | approval | system."""

    kind: str
    who: str
    text: str
    at: str
    position: int
    tool: str | None = None
    arguments: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)  # the arguments, for people
    outcome: str | None = None  # pending | completed | failed | approved | denied
    result: str | None = None
    result_fields: list[tuple[str, str]] = field(default_factory=list)  # the result, for people
    dry_run: bool | None = None
    tool_call_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Conversation:
    items: list[Item]
    summary: str | None
    pending_approvals: list[Item]
    cost_usd: Decimal
    model: str | None


def _system(event: Event, text: str) -> Item:
    return Item("system", "", text, event["occurred_at"], event["position"])


def _system_line(event: Event) -> str | None:
    """The words of an event that shows as a system line, or None."""
    p = event["payload"]
    match event["type"]:
        case "human.assigned":
            return f"{p['agent_name']} joined the conversation"
        case "conversation.handed_back":
            return "Handed back to the AI" + (f" — {p['note']}" if p.get("note") else "")
        case "conversation.resolved":
            return f"Resolved by {'the AI' if p['by'] == 'ai' else 'a human'}"
        case "csat.requested":
            return "The customer was asked for a rating"
        case "csat.recorded":
            return f"The customer rated {p['score']}/5" + (f": {p['comment']}" if p.get("comment") else "")
        case "agent.limit_reached":
            return f"Limit reached: {p['limit']} ({p['observed']} of {p['threshold']})"
        case "llm.failed":
            return f"The model failed: {p['reason']}"
        case "handoff.requested":
            return f"Handed to a human ({p.get('priority', 'normal')}): {p['reason']}"
        case _:
            return None


class _Reader:
    """Folds the log into transcript items; tool outcomes and decisions update the item of their call."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.calls: dict[str, Item] = {}
        self.summary: str | None = None
        self.cost = Decimal(0)
        self.model: str | None = None

    def read(self, event: Event) -> None:
        kind, p, at, pos = event["type"], event["payload"], event["occurred_at"], event["position"]
        if kind == "message.received":
            self.items.append(Item("customer", "Customer", p["text"], at, pos))
        elif kind == "agent.replied":
            self.items.append(Item("ai", f"AI ({p['model']})", p["text"], at, pos))
        elif kind == "human.replied":
            self.items.append(Item("human", p["agent_name"], p["text"], at, pos))
        elif kind in ("tool.requested", "tool.approval_requested"):
            self._call(event)
        elif kind in ("tool.completed", "tool.failed"):
            self._outcome(event)
        elif kind == "tool.approval_decided":
            item = self.calls.get(p["tool_call_id"])
            if item is not None:
                item.extra.update(decision="approved" if p["approved"] else "denied", decided_by=p["decided_by"])
                if item.kind == "approval":
                    item.outcome = item.extra["decision"]
        elif kind == "llm.called":
            self.cost += Decimal(str(p["cost_usd"]))
            self.model = f"{p['provider']}/{p['model']}"
        else:
            if kind == "handoff.requested":
                self.summary = f"{p['reason']}\n\n{p['summary']}".strip()
            line = _system_line(event)
            if line is not None:
                self.items.append(_system(event, line))

    def _call(self, event: Event) -> None:
        p = event["payload"]
        approval = event["type"] == "tool.approval_requested"
        item = Item(
            "approval" if approval else "action",
            "AI",
            f"asks approval for {p['tool']}" if approval else f"called {p['tool']}",
            event["occurred_at"],
            event["position"],
            tool=p["tool"],
            arguments=pretty(p["arguments"]),
            fields=readable(p["arguments"]),
            outcome="pending",
            tool_call_id=p["tool_call_id"],
            extra={"rule": p["rule"]} if approval else {},
        )
        self.calls[p["tool_call_id"]] = item
        self.items.append(item)

    def _outcome(self, event: Event) -> None:
        p = event["payload"]
        item = self.calls.get(p["tool_call_id"])
        if item is None or item.kind != "action":
            # a call that never ran as requested (unknown tool, denied approval): its own line, with the arguments
            # its approval request showed (a denied call has no tool.requested of its own)
            item = Item(
                "action",
                "AI",
                f"called {p['tool']}",
                event["occurred_at"],
                event["position"],
                tool=p["tool"],
                arguments=item.arguments if item else None,
                fields=list(item.fields) if item else [],
            )
            self.items.append(item)
        if event["type"] == "tool.completed":
            item.outcome, item.result, item.dry_run = "completed", pretty(p["result"]), bool(p.get("dry_run"))
            item.result_fields = shortened(readable(p["result"]))
        else:
            item.outcome, item.result = "failed", f"{p['kind']}: {p['message']}"


def transcript(events: list[Event]) -> Conversation:
    reader = _Reader()
    for event in events:
        reader.read(event)
    pending = [i for i in reader.calls.values() if i.kind == "approval" and i.outcome == "pending"]
    return Conversation(reader.items, reader.summary, pending, reader.cost, reader.model)


@dataclass(frozen=True)
class TimelineEntry:
    position: int
    type: str
    at: str
    actor: str
    event_id: str
    cause_position: int | None
    cause_type: str | None
    cost_usd: Decimal | None
    summary: str


def _summary(event: Event) -> str:
    p = event["payload"]
    for key in ("text", "tool", "reason", "summary", "limit", "agent_name", "status", "by"):
        value = p.get(key)
        if isinstance(value, str) and value:
            return value if len(value) <= 160 else value[:157] + "…"
    return ""


def timeline(events: list[Event], costs: dict[str, Decimal]) -> list[TimelineEntry]:
    """Every event in log order with what caused it (by position) and what it cost (the billing ledger's entry)."""
    by_id = {e["id"]: e for e in events}
    out: list[TimelineEntry] = []
    for e in events:
        cause = by_id.get(e.get("causation_id") or "")
        out.append(
            TimelineEntry(
                position=e["position"],
                type=e["type"],
                at=e["occurred_at"],
                actor=f"{e['actor']['kind']}:{e['actor']['id']}",
                event_id=e["id"],
                cause_position=cause["position"] if cause else None,
                cause_type=cause["type"] if cause else None,
                cost_usd=costs.get(e["id"]),
                summary=_summary(e),
            )
        )
    return out
