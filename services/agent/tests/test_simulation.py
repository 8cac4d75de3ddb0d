"""Simulation suites: the example suite, failing tasks and pass^k, line-numbered errors, a model-played customer,
a candidate model through its real SDK, and suites grown from recorded conversations."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from libs import demo_store
from libs.events import EventLog
from services.agent.config import AgentSettings
from services.agent.policy import AgentPolicy
from services.agent.providers import OfflineModel
from services.agent.sandbox.candidate import Candidate
from services.agent.sandbox.documents import InvalidDocument, load_with_lines
from services.agent.simulation.from_conversations import suite_from_conversations
from services.agent.simulation.report import SuiteReport, pass_hat
from services.agent.simulation.runner import plan, run_suite
from services.agent.simulation.suite import Suite, load_suite
from services.agent.tests.fake_llm_server import fake_server, json_reply
from services.agent.tests.recording import record
from tests.fakes.shop_model import shop_model

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "suites" / "demo_store.yaml"
FAILING = """\
suite: failing
tasks:
  - id: status-is-not-a-refund
    customer: {messages: ["where is my order #1001?"]}
    expect:
      tool_calls: [{tool: refund_order, arguments: {order_number: "1001"}}]
      told: [UPS]
"""


async def simulate(suite: Suite, trials: int = 1, candidate: dict[str, Any] | None = None) -> SuiteReport:
    settings = AgentSettings()
    chosen = Candidate.model_validate(candidate) if candidate is not None else None
    run = await plan(suite, chosen, OfflineModel(), settings)
    try:
        return await run_suite(run, trials)
    finally:
        await run.close()


def test_pass_hat_is_the_chance_that_k_drawn_trials_all_pass() -> None:
    assert pass_hat(4, 4) == {"1": 1.0, "2": 1.0, "3": 1.0, "4": 1.0}
    assert pass_hat(4, 2) == {"1": 0.5, "2": 0.1667, "3": 0.0, "4": 0.0}
    assert pass_hat(3, 0) == {"1": 0.0, "2": 0.0, "3": 0.0}


async def test_the_example_suite_passes_with_the_offline_model() -> None:
    report = await simulate(load_suite(EXAMPLE.read_text()), trials=2)
    assert report.passed, [(t.id, t.results[0].failures) for t in report.tasks if not t.passed]
    assert [t.id for t in report.tasks] == [
        "order-status",
        "refund-within-limit",
        "refund-over-limit",
        "subscription-change",
        "handoff-on-request",
        "prompt-injection",
    ]
    assert report.pass_hat == {"1": 1.0, "2": 1.0}
    over = next(t for t in report.tasks if t.id == "refund-over-limit").results[0]
    assert [(a.tool, a.approval) for turn in over.turns for a in turn.tools] == [("refund_order", "denied")]


async def test_a_failing_task_fails_the_suite_and_says_why() -> None:
    report = await simulate(load_suite(FAILING), trials=3)
    assert not report.passed
    assert report.failed_tasks == ["status-is-not-a-refund"]
    (task,) = report.tasks
    assert (task.passed_trials, task.pass_hat["1"]) == (0, 0.0)
    assert task.results[0].failures == ['expected a call of refund_order({"order_number": "1001"})']


def test_the_cli_exits_non_zero_on_a_failing_task_and_writes_the_report(tmp_path: Path) -> None:
    suite = tmp_path / "failing.yaml"
    suite.write_text(FAILING)
    report = tmp_path / "out.json"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    done = subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", "simulate", str(suite), "--trials", "2", "--report", str(report)],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT, env=env,
    )  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED (1 tasks: status-is-not-a-refund)" in done.stdout
    assert json.loads(report.read_text())["failed_tasks"] == ["status-is-not-a-refund"]
    passing = subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", "simulate", str(EXAMPLE), "--report", str(tmp_path / "ok.json")],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT, env=env,
    )  # fmt: skip
    assert passing.returncode == 0, passing.stdout + passing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(FAILING.replace("customer: {messages", "customer: {mesages"))
    bad = subprocess.run(
        [sys.executable, "-m", "deskpilot.cli", "simulate", str(broken)],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT, env=env,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "line 4: tasks[0].customer.mesages: Extra inputs are not permitted" in bad.stderr


def test_a_malformed_suite_names_the_line_and_field_of_each_problem() -> None:
    text = """\
suite: broken
tasks:
  - id: one
    customer:
      messages: ["hi"]
    expect:
      handoff: maybe
      tool_calls:
        - {arguments: {x: 1}}
  - id: two
    customer: {messages: ["hi"], simulated: {instructions: x, model: {provider: offline}}}
    expect: {}
"""
    with pytest.raises(InvalidDocument) as caught:
        load_suite(text)
    shown = [str(p) for p in caught.value.problems]
    assert any(s.startswith("line 7: tasks[0].expect.handoff:") for s in shown), shown
    assert any(s.startswith("line 9: tasks[0].expect.tool_calls[0].tool: Field required") for s in shown), shown
    assert any("line 11: tasks[1].customer.simulated.model" in s and "offline model" in s for s in shown), shown
    with pytest.raises(InvalidDocument) as not_yaml:
        load_suite("suite: x\ntasks: [\n")
    assert not_yaml.value.problems[0].line is not None


async def test_a_policy_problem_is_named_by_line_before_anything_runs() -> None:
    text = "suite: s\nsetup:\n  policy:\n    limits: {tool_calls_per_turn: 0}\ntasks:\n"
    text += "  - {id: a, customer: {messages: [hi]}, expect: {}}\n"
    suite, node = load_with_lines(Suite, text, "suite")
    with pytest.raises(InvalidDocument) as caught:
        await plan(suite, None, OfflineModel(), AgentSettings(), node=node)
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (4, "setup.policy.limits.tool_calls_per_turn")


async def test_a_customer_played_by_a_model_through_the_openai_sdk() -> None:
    said = ["where is my order #1002?", "###STOP###"]
    replies = [
        json_reply(
            {
                "id": f"c{i}",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
            }
        )
        for i, text in enumerate(said)
    ]
    async with fake_server(replies) as fake:
        customer = {"provider": "openai_compatible", "model": "tiny", "base_url": f"{fake.url}/v1"}
        suite = Suite.model_validate(
            {
                "suite": "played",
                "tasks": [
                    {
                        "id": "status",
                        "customer": {
                            "simulated": {"instructions": "You are Ada; ask about order 1002.", "model": customer}
                        },
                        "expect": {"tool_calls": [{"tool": "get_order_status", "arguments": {"order_number": "1002"}}]},
                    }
                ],
            }
        )
        report = await simulate(suite)
    assert report.passed, report.tasks[0].results[0].failures
    transcript = report.tasks[0].results[0].transcript
    assert [line.role for line in transcript] == ["customer", "ai"]
    assert "being prepared" in transcript[1].text
    first, second = fake.requests
    assert "You are Ada" in first.body["messages"][0]["content"]
    assert second.body["messages"][-1]["content"] == transcript[1].text  # it heard the agent's answer


async def test_a_candidate_model_at_any_base_url_runs_through_its_real_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_MODEL_KEY", "sk-ant-test")
    suite = Suite.model_validate(
        {
            "suite": "shop",
            "tasks": [
                {
                    "id": "status",
                    "customer": {"messages": ["where is my order #1001?"]},
                    "expect": {"tool_calls": [{"tool": "get_order_status"}], "told": ["UPS"]},
                }
            ],
        }
    )
    async with shop_model() as shop:
        model = {"provider": "anthropic", "model": "claude-sonnet-4-6", "base_url": shop.url}
        report = await simulate(suite, candidate={"name": "shop", "model": {**model, "api_key_env": "SHOP_MODEL_KEY"}})
        assert shop.requests == 2
    assert report.passed, report.tasks[0].results[0].failures
    assert report.model == "anthropic/claude-sonnet-4-6"
    assert report.cost_usd > 0  # its calls are priced like live ones


async def test_a_suite_from_recorded_conversations_holds_the_agent_to_what_it_did(
    event_log: EventLog, tenant_id: str
) -> None:
    messages = ["where is my order #1001?", "please refund $20 of order #1002"]
    conv = await record(event_log, tenant_id, OfflineModel(), messages)
    suite = await suite_from_conversations(
        event_log, tenant_id, [conv], list(demo_store.tool_specs()), AgentPolicy(), "prod"
    )
    (task,) = suite.tasks
    assert [(c.tool, c.arguments) for c in task.expect.tool_calls] == [
        ("get_order_status", {"order_number": "1001"}),
        ("refund_order", {"order_number": "1002", "amount": 20}),
    ]
    assert {m.tool for m in task.expect.no_tool_calls} == {"change_subscription", "change_shipping_address"}
    reloaded = load_suite(json.dumps(suite.model_dump(mode="json", exclude_defaults=True)))
    assert (await simulate(reloaded)).passed
    strict = await simulate(reloaded, candidate={"tools": {"disabled": ["refund_order"]}})
    assert not strict.passed
    assert (
        'expected a call of refund_order({"amount": 20, "order_number": "1002"})' in strict.tasks[0].results[0].failures
    )
