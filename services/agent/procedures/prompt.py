"""How a procedure reads to the model: when it applies, its steps, and its guards in words (which the runtime
enforces whatever the model does)."""

from __future__ import annotations

from services.agent.procedures.compiled import CompiledGuard, Procedure

PROCEDURES_NOTE = (
    "Procedures for this conversation. Follow their steps. Their guards are enforced by the system: a tool call "
    "that breaks one is not carried out, and its result tells you why.\n\n"
)


def _guard(guard: CompiledGuard) -> str:
    rules = [f"only after {', '.join(guard.requires)}"] if guard.requires else []
    rules += [c.reason for c in guard.preconditions]
    if guard.confirm:
        rules.append("only after the customer has confirmed it in a message")
    return f"- {guard.tool}: " + "; ".join(rules or ["no conditions"])


def describe(procedure: Procedure) -> str:
    document = procedure.document
    lines = [f"## {document.name}", f"Applies when: {document.applies_when.strip()}", "Steps:", document.steps.strip()]
    if procedure.guards:
        lines += ["Guards:", *(_guard(g) for g in procedure.guards)]
    if procedure.hand_off:
        lines.append("Hand over to a person when: " + "; ".join(c.reason for c in procedure.hand_off))
    return "\n".join(lines)
