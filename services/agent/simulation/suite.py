"""The simulation suite format (YAML or JSON; documented in docs/simulation.md): tasks, each with the customer's
side, the tenant's setup and the expected end state. Every problem in a suite file is named by line and field."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from libs.events import RiskClass
from services.agent.sandbox.candidate import CandidateModel
from services.agent.sandbox.documents import load

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ToolCallMatch(Strict):
    """A tool call, by name and (some of) its arguments. An argument's value is matched exactly (numbers by value:
    ``20`` matches ``20.0``), or by one comparison: ``{gt: 100}``, ``{ge: …}``, ``{lt: …}``, ``{le: …}``,
    ``{ne: …}``, ``{contains: "text"}``. Arguments not named may be anything."""

    tool: str = Field(min_length=1, max_length=64)
    arguments: dict[str, Any] = Field(default_factory=dict)


class StoreState(Strict):
    """The demo store's end state: fields of orders (by number) and subscriptions (by email), and how many
    refunds were made."""

    orders: dict[str, dict[str, Any]] = Field(default_factory=dict)
    subscriptions: dict[str, dict[str, Any]] = Field(default_factory=dict)
    refunds: int | None = Field(default=None, ge=0)


class Expect(Strict):
    """What must be true when the conversation is over. Everything listed must hold; ``any_of``: at least one."""

    tool_calls: list[ToolCallMatch] = Field(default_factory=list, description="calls that must be made (executed)")
    no_tool_calls: list[ToolCallMatch] = Field(default_factory=list, description="calls that must not be executed")
    approval_requested: list[ToolCallMatch] = Field(default_factory=list, description="calls put to a person")
    handoff: bool | None = Field(default=None, description="true: must hand over to a human; false: must not")
    told: list[str] = Field(default_factory=list, description="texts the customer must be told (any case)")
    not_told: list[str] = Field(default_factory=list, description="texts the customer must never be told")
    store: StoreState | None = None
    any_of: list[Expect] = Field(default_factory=list)


class SimulatedCustomer(Strict):
    """A customer played by a language model, following ``instructions``; it says ``###STOP###`` when done."""

    instructions: str = Field(min_length=1, max_length=4000)
    first_message: str | None = Field(default=None, max_length=4000)
    model: CandidateModel
    max_turns: int = Field(default=6, ge=1, le=30)

    @field_validator("model")
    @classmethod
    def _a_language_model(cls, model: CandidateModel) -> CandidateModel:
        if model.provider == "offline":
            raise ValueError("the offline model cannot play a customer: name a language model")
        return model


class Customer(Strict):
    """Scripted ``messages`` (sent one after another, each once the agent has answered the last), or
    ``simulated``."""

    messages: list[str] | None = Field(default=None, min_length=1, max_length=100)
    simulated: SimulatedCustomer | None = None
    customer_id: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_kind(self) -> Customer:
        if (self.messages is None) == (self.simulated is None):
            raise ValueError("give either 'messages' or 'simulated'")
        return self


class FakeResponse(Strict):
    """How a fake tool answers calls whose arguments match ``when`` (same matching as expectations)."""

    when: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] | None = None
    error: str | None = Field(default=None, description="a failure message instead of a result")
    kind: str = Field(default="permanent", description="the failure's kind (not_found, permanent, …)")


class FakeTool(Strict):
    """A tool of an integration or MCP server the suite fakes: its spec as the agent sees it, and its answers (the
    first response whose ``when`` matches; none: the call fails as unrecorded)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str = Field(min_length=1, max_length=4000)
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    risk: RiskClass = "read"
    responses: list[FakeResponse] = Field(default_factory=list)


class Article(Strict):
    title: str = Field(min_length=1, max_length=300)
    body: str = Field(min_length=1)
    url: str | None = None


class StoreSeed(Strict):
    """The demo store's data for the task instead of the demo data (each list replaces its part when given)."""

    orders: list[dict[str, Any]] | None = None
    subscriptions: list[dict[str, Any]] | None = None


def _demo_store_only() -> list[Literal["demo_store"]]:
    return ["demo_store"]


class Setup(Strict):
    """The tenant's side: integrations, fake tools, knowledge base, policy, and how approvals are decided."""

    integrations: list[Literal["demo_store"]] = Field(default_factory=_demo_store_only)
    tools: list[FakeTool] = Field(default_factory=list)
    knowledge: list[Article] = Field(default_factory=list)
    policy: dict[str, Any] = Field(default_factory=dict, description="agent policy fields, as in PUT /v1/agent/policy")
    store: StoreSeed | None = None
    approvals: Literal["approve", "deny"] = Field(default="deny", description="a person's answer to every approval")


class Task(Strict):
    id: str = Field(pattern=NAME)
    description: str = Field(default="", max_length=2000)
    customer: Customer
    setup: Setup | None = Field(default=None, description="setup fields that differ from the suite's")
    expect: Expect


class Suite(Strict):
    suite: str = Field(pattern=NAME, description="the suite's name")
    description: str = Field(default="", max_length=4000)
    setup: Setup = Setup()
    tasks: list[Task] = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        seen: set[str] = set()
        for task in self.tasks:
            if task.id in seen:
                raise ValueError(f"two tasks are named {task.id!r}")
            seen.add(task.id)
        return self

    def setup_of(self, task: Task) -> Setup:
        """The suite's setup with the task's own fields instead."""
        own = task.setup.model_dump(exclude_unset=True) if task.setup is not None else {}
        return Setup.model_validate({**self.setup.model_dump(exclude_unset=True), **own})


def load_suite(text: str) -> Suite:
    """A suite from YAML or JSON text; ``InvalidDocument`` names each problem's line and field."""
    return load(Suite, text, "suite")
