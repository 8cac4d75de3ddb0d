"""A simulation's report: each task's trials and its pass^k, and the suite's.

pass^k (as tau2-bench defines it) is the chance that *k* trials of a task, drawn from the *n* run, all pass: with *c*
passing trials, C(c, k) / C(n, k). pass^1 is the plain success rate; pass^n is 1 only when every trial passed, so
it measures how reliably the agent gets a task right, not whether it can. A suite's pass^k is the mean over its
tasks. A task *passes* when all its trials did.
"""

from __future__ import annotations

from decimal import Decimal
from math import comb

from pydantic import BaseModel, Field

from libs.events import Money
from services.agent.sandbox.actions import TurnActions


def pass_hat(trials: int, passed: int) -> dict[str, float]:
    """pass^1 … pass^trials for one task."""
    return {str(k): round(comb(passed, k) / comb(trials, k), 4) for k in range(1, trials + 1)}


class Line(BaseModel):
    role: str
    text: str


class TrialReport(BaseModel):
    trial: int
    passed: bool
    failures: list[str] = Field(description="each expectation that did not hold, in words")
    transcript: list[Line]
    turns: list[TurnActions]
    cost_usd: Money = Decimal(0)
    duration_ms: float = 0.0
    error: str | None = None


class TaskReport(BaseModel):
    id: str
    description: str = ""
    trials: int
    passed_trials: int
    pass_hat: dict[str, float] = Field(description="pass^k for k = 1 … trials")
    passed: bool
    results: list[TrialReport]


class SuiteReport(BaseModel):
    suite: str
    candidate: str | None
    model: str
    trials: int
    passed: bool = Field(description="every trial of every task passed")
    pass_hat: dict[str, float] = Field(description="mean over tasks of pass^k")
    failed_tasks: list[str]
    tasks: list[TaskReport]
    cost_usd: Money
    duration_ms: float


def task_report(task_id: str, description: str, results: list[TrialReport]) -> TaskReport:
    ordered = sorted(results, key=lambda r: r.trial)
    passed = sum(r.passed for r in ordered)
    return TaskReport(
        id=task_id,
        description=description,
        trials=len(ordered),
        passed_trials=passed,
        pass_hat=pass_hat(len(ordered), passed),
        passed=passed == len(ordered),
        results=ordered,
    )


def suite_report(
    suite: str, candidate: str | None, model: str, trials: int, tasks: list[TaskReport], duration_ms: float
) -> SuiteReport:
    keys = [str(k) for k in range(1, trials + 1)]
    return SuiteReport(
        suite=suite,
        candidate=candidate,
        model=model,
        trials=trials,
        passed=all(t.passed for t in tasks),
        pass_hat={k: round(sum(t.pass_hat[k] for t in tasks) / len(tasks), 4) for k in keys} if tasks else {},
        failed_tasks=[t.id for t in tasks if not t.passed],
        tasks=tasks,
        cost_usd=sum((r.cost_usd for t in tasks for r in t.results), Decimal(0)),
        duration_ms=round(duration_ms, 3),
    )
