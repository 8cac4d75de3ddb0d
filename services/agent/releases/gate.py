"""The publish gate: the draft replayed against the tenant's last resolved conversations and run through the
simulation suites it is given and the tenant's stored ones, in the sandbox (docs/replay.md, docs/simulation.md);
the tenant's gate policy says what blocks the publish."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from libs.platform.http import JsonBool, json_integer, json_number
from services.agent.replay.diff import ConversationDiff, ReplaySummary, ToolChange, summarise
from services.agent.replay.runner import ReplayTarget, replay
from services.agent.sandbox.candidate import PreparedCandidate
from services.agent.simulation.runner import SuiteRun, run_suite


class GatePolicy(BaseModel):
    """What blocks a publish (``GET/PUT /v1/agent/releases/gate-policy``)."""

    model_config = ConfigDict(extra="forbid")
    replay_last: Annotated[int, Field(ge=0, le=500), BeforeValidator(json_integer)] = Field(
        default=50, description="resolved conversations replayed (0: none)"
    )
    block_on_failed_suite: JsonBool = Field(default=True, description="a suite with a failed task blocks")
    max_write_difference_pct: Annotated[float, Field(ge=0, le=100), BeforeValidator(json_number)] | None = Field(
        default=None,
        description="block when more than this % of the replayed conversations would take another write action "
        "(a refund more, less or different); none: the difference is shown, never blocks",
    )


class WriteChange(BaseModel):
    """A replayed conversation in which the draft would act differently on a write tool."""

    conversation_id: str
    message_index: int | None
    customer_text: str
    changes: list[ToolChange]


class SuiteOutcome(BaseModel):
    suite: str = Field(description="the suite's own name (its `suite` field)")
    stored_as: str | None = Field(
        default=None, description="the tenant's stored suite it is (its name); none: given with the request"
    )
    passed: bool
    pass_1: float
    failed_tasks: list[str]


class GateProgress(BaseModel):
    """How far a gate run has come."""

    replayed: int = Field(default=0, description="conversations replayed so far")
    conversations: int = Field(default=0, description="conversations to replay")
    suites_run: int = 0
    suites: int = Field(default=0, description="simulation suites to run")


Progress = Callable[[GateProgress], Awaitable[None]]


class GateReport(BaseModel):
    """What the gate found, and whether (and why) it blocks."""

    replay: ReplaySummary | None = Field(description="the action-diff summary of the replay (none: nothing replayed)")
    write_changes: list[WriteChange]
    suites: list[SuiteOutcome]
    blocked: bool
    reasons: list[str]


def write_changes(diffs: Sequence[ConversationDiff]) -> list[WriteChange]:
    return [
        WriteChange(
            conversation_id=d.conversation_id,
            message_index=t.message_index,
            customer_text=t.customer_text,
            changes=[c for c in t.tool_changes if c.write],
        )
        for d in diffs
        for t in d.turns
        if t.write_difference
    ]


def _named(outcome: SuiteOutcome) -> str:
    if outcome.stored_as is None:
        return f"suite {outcome.suite!r}"
    return f"stored suite {outcome.stored_as!r} (suite {outcome.suite!r})"


def verdict(
    policy: GatePolicy, summary: ReplaySummary | None, suites: list[SuiteOutcome], changes: list[WriteChange]
) -> GateReport:
    reasons: list[str] = []
    if policy.block_on_failed_suite:
        failed = [s for s in suites if not s.passed]
        reasons += [f"{_named(s)} failed: {', '.join(s.failed_tasks) or 'a trial'}" for s in failed]
    limit = policy.max_write_difference_pct
    if limit is not None and summary is not None and summary.write_difference_pct > limit:
        reasons.append(
            f"{summary.write_difference_pct:.1f} % of {summary.replayed} replayed conversations would take another "
            f"write action (the policy allows {limit:g} %)"
        )
    return GateReport(replay=summary, write_changes=changes, suites=suites, blocked=bool(reasons), reasons=reasons)


async def run_gate(
    policy: GatePolicy,
    draft: PreparedCandidate,
    target: ReplayTarget,
    conversation_ids: Sequence[str],
    suites: Sequence[SuiteRun],
    stored_as: Sequence[str | None],
    progress: Progress | None = None,
) -> GateReport:
    """Replay ``conversation_ids`` against the draft and run each suite once; the report says what blocks;
    ``progress`` hears of each conversation and suite as it finishes; ``stored_as``: each suite's stored name (none:
    given with the request)."""
    done = GateProgress(conversations=len(conversation_ids), suites=len(suites))

    async def replayed(_diff: ConversationDiff) -> None:
        done.replayed += 1
        if progress is not None:
            await progress(done.model_copy())

    diffs = await replay(conversation_ids, draft, target, replayed, concurrency=4) if conversation_ids else []
    summary = summarise(diffs) if diffs else None
    outcomes: list[SuiteOutcome] = []
    for run, name in zip(suites, stored_as, strict=True):
        report = await run_suite(run, trials=1)
        done.suites_run += 1
        if progress is not None:
            await progress(done.model_copy())
        outcomes.append(
            SuiteOutcome(
                suite=report.suite,
                stored_as=name,
                passed=report.passed,
                pass_1=report.pass_hat.get("1", 0.0),
                failed_tasks=report.failed_tasks,
            )
        )
    return verdict(policy, summary, outcomes, write_changes(diffs))
