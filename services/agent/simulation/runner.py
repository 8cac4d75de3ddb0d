"""Running a suite: every task K times through the live agent loop in the sandbox, against a fresh world each time.

``plan`` checks everything that can be checked before a model is called (each task's policy, the candidate's
changes, the models it names) and names each problem's line and field; ``run_suite`` then runs the trials a few at
a time and reports pass^1 … pass^K per task and for the suite.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal

import yaml
from pydantic import ValidationError

from libs.events import (
    Actor,
    AgentReplied,
    ConversationStarted,
    Envelope,
    MessageReceived,
    ToolSpec,
    new_id,
)
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy
from services.agent.procedures.compiled import Procedure
from services.agent.providers import ChatModel
from services.agent.replay.runner import risks_of
from services.agent.sandbox.actions import turns_of
from services.agent.sandbox.answers import AnswerChain
from services.agent.sandbox.candidate import (
    OPERATOR,
    Caller,
    Candidate,
    build_model,
    candidate_policy,
    candidate_procedures,
    candidate_tools,
)
from services.agent.sandbox.documents import InvalidDocument, problems_of
from services.agent.sandbox.run import FixedApprovals, SandboxConversation
from services.agent.simulation.customer import CustomerSide, ModelCustomer, ScriptedCustomer
from services.agent.simulation.expect import Outcome, failures
from services.agent.simulation.report import Line, SuiteReport, TrialReport, suite_report, task_report
from services.agent.simulation.suite import Setup, Suite, Task
from services.agent.simulation.world import World

CUSTOMER = Actor(kind="customer", id="simulated-customer")
TrialDone = Callable[[str, TrialReport], Awaitable[None]]


@dataclass(frozen=True)
class TaskPlan:
    task: Task
    setup: Setup
    tools: list[ToolSpec]
    policy: AgentPolicy
    customer_model: ChatModel | None = None
    procedures: tuple[Procedure, ...] = ()


@dataclass
class SuiteRun:
    """A suite made concrete: each task's catalog and policy with the candidate's changes, and the models."""

    suite: Suite
    candidate: Candidate | None
    model: ChatModel
    tasks: list[TaskPlan]
    owned: list[ChatModel] = field(default_factory=list)  # built for this run: closed by ``close``

    async def close(self) -> None:
        for model in self.owned:
            close = getattr(model, "aclose", None)
            if close is not None:
                await close()


def _policy(setup: Setup, where: tuple[int | str, ...], node: yaml.Node | None) -> AgentPolicy:
    try:
        return AgentPolicy.model_validate(setup.policy)
    except ValidationError as exc:
        raise InvalidDocument("suite", problems_of(exc, node, where)) from exc


async def plan(
    suite: Suite,
    candidate: Candidate | None,
    live_model: ChatModel,
    settings: AgentSettings,
    *,
    node: yaml.Node | None = None,
    caller: Caller = OPERATOR,
) -> SuiteRun:
    """The run of ``suite`` against ``candidate`` (None: the suite's own setup on the service's model)."""
    change = candidate or Candidate()
    setups = [suite.setup_of(t) for t in suite.tasks]
    known = {spec.name for s in setups for spec in World.tools(s)}
    run = SuiteRun(suite, candidate, live_model, [])
    try:
        for i, (task, setup) in enumerate(zip(suite.tasks, setups, strict=True)):
            own = task.setup is not None and "policy" in task.setup.model_fields_set
            where: tuple[int | str, ...] = ("tasks", i, "setup", "policy") if own else ("setup", "policy")
            base = _policy(setup, where, node)
            customer: ChatModel | None = None
            if task.customer.simulated is not None:
                model_spec = task.customer.simulated.model
                customer = await build_model(model_spec, settings, caller)
                run.owned.append(customer)
            tools = candidate_tools(change.tools, World.tools(setup), known)
            procedures = candidate_procedures(change, tools, ())
            run.tasks.append(TaskPlan(task, setup, tools, candidate_policy(change, base), customer, procedures))
        if change.model is not None:
            run.model = await build_model(change.model, settings, caller)
            run.owned.append(run.model)
    except BaseException:
        await run.close()
        raise
    return run


def _customer(plan: TaskPlan) -> CustomerSide:
    simulated = plan.task.customer.simulated
    if simulated is None:
        return ScriptedCustomer(plan.task.customer.messages or [])
    assert plan.customer_model is not None
    return ModelCustomer(plan.customer_model, simulated.instructions, simulated.first_message, simulated.max_turns)


async def run_trial(run: SuiteRun, plan: TaskPlan, trial: int, tenant_id: str) -> TrialReport:
    """One conversation of ``plan``'s task, from a fresh world."""
    world = World(plan.setup)
    approvals = FixedApprovals(plan.setup.approvals == "approve")
    conv = new_id("sim")
    sandbox = SandboxConversation(
        tenant_id,
        conv,
        run.model,
        (plan.tools, plan.policy),
        AnswerChain(world),
        approvals,
        procedures=plan.procedures,
    )
    started = time.perf_counter()

    def event(payload: ConversationStarted | MessageReceived) -> Envelope:
        return Envelope.new(payload, tenant_id=tenant_id, conversation_id=conv, actor=CUSTOMER)

    await sandbox.feed(event(ConversationStarted(channel="simulation", customer_id=plan.task.customer.customer_id)))
    customer, seen = _customer(plan), 0
    replies: list[str] = []
    while (text := await customer.next_message(replies)) is not None:
        await sandbox.feed(event(MessageReceived(message_id=new_id("msg"), text=text, channel="simulation")))
        events = sandbox.events
        replies = [r.event.payload.text for r in events[seen:] if isinstance(r.event.payload, AgentReplied)]
        seen = len(events)
        if sandbox.state is not None and sandbox.state.owner != "ai":
            break  # a person has the conversation now: the simulation ends there
    turns = turns_of(sandbox.events, risks_of(plan.tools), sandbox.sources)
    failed = failures(plan.task.expect, Outcome(turns, world.store_state()))
    transcript = [
        Line(role="customer" if isinstance(p, MessageReceived) else "ai", text=p.text)
        for p in (r.event.payload for r in sandbox.events)
        if isinstance(p, MessageReceived | AgentReplied)
    ]
    return TrialReport(
        trial=trial,
        passed=not failed,
        failures=failed,
        transcript=transcript,
        turns=turns,
        cost_usd=sum((t.cost_usd for t in turns), Decimal(0)),
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
    )


async def _guarded_trial(run: SuiteRun, plan: TaskPlan, trial: int, tenant_id: str) -> TrialReport:
    try:
        return await run_trial(run, plan, trial, tenant_id)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # a model server that is down fails the trial, not the suite
        error = f"{type(exc).__name__}: {exc}"[:500]
        return TrialReport(
            trial=trial, passed=False, failures=[f"the trial failed: {error}"], transcript=[], turns=[], error=error
        )


async def run_suite(
    run: SuiteRun, trials: int, tenant_id: str = "sim", concurrency: int = 4, progress: TrialDone | None = None
) -> SuiteReport:
    """Every task ``trials`` times; ``progress`` hears of each trial as it ends."""
    gate = asyncio.Semaphore(concurrency)
    results: dict[str, list[TrialReport]] = {p.task.id: [] for p in run.tasks}
    started = time.perf_counter()

    async def one(plan: TaskPlan, trial: int) -> None:
        async with gate:
            report = await _guarded_trial(run, plan, trial, tenant_id)
        results[plan.task.id].append(report)
        if progress is not None:
            await progress(plan.task.id, report)

    async with asyncio.TaskGroup() as group:
        for plan in run.tasks:
            for trial in range(1, trials + 1):
                group.create_task(one(plan, trial))
    tasks = [task_report(p.task.id, p.task.description, results[p.task.id]) for p in run.tasks]
    name = run.candidate.name if run.candidate else None
    model = f"{run.model.provider}/{run.model.model}"
    return suite_report(run.suite.suite, name, model, trials, tasks, (time.perf_counter() - started) * 1000)
