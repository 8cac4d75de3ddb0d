"""Procedures: the validator names line and field; guards hold in the real agent loop (the sandbox's, which replays
and simulations run), whatever the model asks; ask-then-act; hand-off conditions; matching without a model."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from libs import demo_store
from libs.demo_store import MemoryDemoStore, StoreError
from libs.events import (
    Actor,
    AgentReplied,
    ConversationStarted,
    Envelope,
    GuardBlocked,
    HandoffRequested,
    MessageReceived,
    ProcedureApplied,
    RecordedEvent,
    ToolCompleted,
    ToolRequested,
    ToolSpec,
    new_id,
)
from libs.events.memory_log import MemoryEventLog
from services.agent.policy import AgentPolicy
from services.agent.procedures.compiled import Procedure, compile_procedure, load_procedure
from services.agent.procedures.document import ProcedureDocument
from services.agent.procedures.guards import affirmative, matching
from services.agent.providers import OfflineModel
from services.agent.sandbox.answers import Answer, AnswerChain, completed, failed
from services.agent.sandbox.documents import InvalidDocument
from services.agent.sandbox.run import FixedApprovals, SandboxConversation
from services.agent.tests.recording import record
from services.agent.tests.test_policies import Scripted, calls, reply

EXAMPLES = demo_store.PROCEDURES_DIR
CATALOG = list(demo_store.tool_specs())
CUSTOMER = Actor(kind="customer", id="c")


def demo_procedures() -> list[Procedure]:
    return [compile_procedure(load_procedure(p.read_text(), CATALOG)) for p in sorted(EXAMPLES.glob("*.yaml"))]


def problems_of(source: str) -> list[tuple[int | None, str, str]]:
    with pytest.raises(InvalidDocument) as caught:
        load_procedure(source, CATALOG)
    return [(p.line, p.field, p.message) for p in caught.value.problems]


BROKEN = """\
name: refunds
applies_when: The customer wants money back.
steps: Refund it.
tools: [get_order_status, refund_order, wire_money]
guards:
  - tool: refund_order
    requires: [get_order_status]
    preconditions:
      - refund_order.amount <= get_order_status.total
      - refund_order.amont <= 100
      - "refund_order.amount <= (get_order_status.total"
      - __import__("os").system("true")
      - order.total > 1
"""


def test_the_validator_names_the_line_and_field_of_every_problem() -> None:
    found = problems_of(BROKEN)
    assert found[0][:2] == (4, "tools[2]")
    assert "unknown tool 'wire_money'" in found[0][2]
    assert found[1][:2] == (10, "guards[0].preconditions[1].check")
    assert "refund_order has no field 'amont'" in found[1][2]
    assert "amount" in found[1][2]
    assert found[2][:2] == (11, "guards[0].preconditions[2].check")
    assert "does not parse" in found[2][2]
    assert found[3][:2] == (12, "guards[0].preconditions[3].check")
    assert "only these functions" in found[3][2]
    assert found[4][:2] == (13, "guards[0].preconditions[4].check")
    assert "'order' is not one of" in found[4][2]
    assert len(found) == 5


def test_unknown_fields_and_guards_on_tools_it_does_not_list_are_named() -> None:
    source = "name: x\napplies_when: a\nsteps: b\ntools: [get_order_status]\nguards:\n  - tool: refund_order\n"
    assert problems_of(source) == [
        (6, "guards[0].tool", "'refund_order' is not one of the procedure's tools (add it to `tools`)")
    ]
    found = problems_of("name: x\napplies_when: a\nsteps: b\nguard: []\n")
    assert found == [(4, "guard", "Extra inputs are not permitted")]
    assert problems_of("name: Bad Name!\napplies_when: a\nsteps: b\n")[0][:2] == (1, "name")


def test_the_demo_procedures_validate_against_the_demo_store() -> None:
    names = {p.name for p in demo_procedures()}
    assert names == {"refund-within-30-days", "subscription-downgrade", "address-change-before-shipment"}


def test_matching_uses_keywords_and_the_words_of_applies_when_without_a_model() -> None:
    procedures = demo_procedures()
    (match,) = matching(procedures, "Hi, I'd like a refund for order #1003 please")
    assert match.procedure.name == "refund-within-30-days"
    assert match.terms == ("refund",)
    assert matching(procedures, "can I downgrade to a cheaper plan?")[0].procedure.name == "subscription-downgrade"
    assert matching(procedures, "where is my parcel?") == []
    (address,) = matching(procedures, "I moved house, please change the shipping address of #1002")
    assert address.procedure.name == "address-change-before-shipment"


def test_a_yes_is_a_yes_only_without_a_no() -> None:
    assert affirmative("Yes please, go ahead")
    assert affirmative("ok")
    assert not affirmative("yes, but wait — not that order")
    assert not affirmative("what would it cost?")


# -- guards in the agent loop -------------------------------------------------------------------------------------


class Shop:
    """Answers demo store tool calls from one in-memory shop, as the integrations service would."""

    def __init__(self, store: MemoryDemoStore) -> None:
        self.store = store

    async def answer(self, request: ToolRequested, _spec: ToolSpec | None, _conversation: str) -> Answer:
        try:
            out = await demo_store.run_tool(self.store, request.tool, request.arguments, request.idempotency_key, False)
        except StoreError as exc:
            return Answer(failed(request, exc.kind, exc.message), "world")
        return Answer(completed(request, out), "world")


def shop(delivered_days_ago: int = 3, total: str = "349.00") -> MemoryDemoStore:
    delivered = (datetime.now(UTC).date() - timedelta(days=delivered_days_ago)).isoformat()
    order = {"order_number": "1003", "customer_email": "alan@example.com", "status": "delivered", "total": total}
    return MemoryDemoStore(orders=[{**order, "estimated_delivery": delivered, "items": []}])


async def converse(model: Scripted, store: MemoryDemoStore, *messages: str, procedures: Any = None) -> list[Any]:
    conv = new_id("conv")
    sandbox = SandboxConversation(
        "ten_1",
        conv,
        model,
        (CATALOG, AgentPolicy()),
        AnswerChain(Shop(store)),
        FixedApprovals(False),
        procedures=demo_procedures() if procedures is None else procedures,
    )
    await sandbox.feed(Envelope.new(ConversationStarted(), tenant_id="ten_1", conversation_id=conv, actor=CUSTOMER))
    for text in messages:
        message = MessageReceived(message_id=new_id("msg"), text=text)
        await sandbox.feed(Envelope.new(message, tenant_id="ten_1", conversation_id=conv, actor=CUSTOMER))
    return [r.event.payload for r in sandbox.events]


def blocked(payloads: list[Any]) -> list[GuardBlocked]:
    return [p for p in payloads if isinstance(p, GuardBlocked)]


async def test_a_refund_without_looking_the_order_up_is_blocked_and_the_model_told_why() -> None:
    model = Scripted(calls("refund_order", {"order_number": "1003", "amount": 20}), reply("Sorry, I cannot."))
    store = shop()
    payloads = await converse(model, store, "refund 20 dollars on order 1003 please")
    (stop,) = blocked(payloads)
    assert (stop.kind, stop.guard) == ("required_call", "requires get_order_status")
    assert stop.procedure == "refund-within-30-days"
    assert not any(isinstance(p, ToolRequested) for p in payloads)
    assert store.refunds == []
    told = model.requests[-1].messages[-1]
    assert told.is_error
    assert "needs a get_order_status result first" in told.text
    assert any(isinstance(p, ProcedureApplied) and p.procedure == "refund-within-30-days" for p in payloads)
    assert "refund-within-30-days" in model.requests[0].system


@pytest.mark.parametrize(
    ("days", "amount", "guard", "reason"),
    [
        (45, 20, "days_since(get_order_status.estimated_delivery) <= 30", "only within 30 days of delivery"),
        (3, 500, "refund_order.amount <= number(get_order_status.total) - number(get_order_status.refunded)", "more"),
    ],
)
async def test_out_of_policy_refunds_are_blocked_with_the_values_the_guard_read(
    days: int, amount: int, guard: str, reason: str
) -> None:
    lookup = calls("get_order_status", {"order_number": "1003"})
    model = Scripted(lookup, calls("refund_order", {"order_number": "1003", "amount": amount}), reply("No."))
    store = shop(delivered_days_ago=days)
    payloads = await converse(model, store, "refund order 1003")
    (stop,) = blocked(payloads)
    assert (stop.kind, stop.guard) == ("precondition", guard)
    assert reason in stop.reason
    assert "get_order_status.estimated_delivery" in stop.values or stop.values["refund_order.amount"] == amount
    assert store.refunds == []


async def test_ask_then_act_the_same_call_goes_through_after_the_customer_says_yes() -> None:
    lookup = calls("get_order_status", {"order_number": "1003"})
    refund = calls("refund_order", {"order_number": "1003", "amount": 20})
    model = Scripted(lookup, refund, reply("Shall I refund 20 USD?"), refund, reply("Done."))
    store = shop()
    payloads = await converse(model, store, "please refund 20 on order 1003", "yes please")
    (stop,) = blocked(payloads)
    assert stop.kind == "confirmation"
    assert "ask them to confirm" in stop.reason
    assert len(store.refunds) == 1


async def test_a_no_or_silence_never_confirms() -> None:
    lookup = calls("get_order_status", {"order_number": "1003"})
    refund = calls("refund_order", {"order_number": "1003", "amount": 20})
    model = Scripted(lookup, refund, reply("Shall I refund 20 USD?"), refund, reply("OK, I won't."))
    store = shop()
    payloads = await converse(model, store, "please refund 20 on order 1003", "no, don't")
    assert [b.kind for b in blocked(payloads)] == ["confirmation", "confirmation"]
    assert store.refunds == []


async def test_a_hand_off_condition_hands_over_after_the_lookup_that_meets_it() -> None:
    document = ProcedureDocument.model_validate(
        {
            "name": "big-refunds",
            "applies_when": "refunds",
            "keywords": ["refund"],
            "steps": "Look it up.",
            "tools": ["get_order_status"],
            "hand_off_when": [{"check": "number(get_order_status.total) > 100", "says": "big orders go to a person"}],
        }
    )
    model = Scripted(calls("get_order_status", {"order_number": "1003"}), reply("never said"))
    payloads = await converse(model, shop(), "refund order 1003", procedures=[compile_procedure(document)])
    (handoff,) = [p for p in payloads if isinstance(p, HandoffRequested)]
    assert handoff.reason == "procedure big-refunds: big orders go to a person"
    assert len(model.requests) == 1


def test_days_since_counts_whole_days() -> None:
    from services.agent.procedures.expressions import Evaluator, compile_expression

    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    check = compile_expression("days_since(o.at) == 16")
    assert Evaluator(now, {"o": {"at": date(2026, 11, 20).isoformat()}}).holds(check) == (True, "")


@pytest.mark.parametrize("today", [date(2026, 12, 21), date(2027, 2, 28), date(2030, 1, 1)])
def test_the_demo_orders_are_dated_from_the_day_the_shop_is_made(today: date) -> None:
    """Issue 21's time bomb: fixed dates put every demo order outside the refund window from 2026-12-21."""
    from services.agent.procedures.expressions import Evaluator, compile_expression

    window = compile_expression("days_since(o.estimated_delivery) <= 30")
    now = datetime(today.year, today.month, today.day, 23, 59, tzinfo=UTC)
    orders = {o["order_number"]: o for o in demo_store.orders(today)}
    assert Evaluator(now, {"o": orders["1003"]}).holds(window) == (True, "")  # refundable under the demo procedure
    assert Evaluator(now, {"o": orders["1005"]}).holds(window) == (False, "")  # too late
    assert orders["1001"]["estimated_delivery"] > today.isoformat()  # shipped, still on its way
    assert all(s["renews_on"] is None or s["renews_on"] > today.isoformat() for s in demo_store.subscriptions(today))


async def test_an_address_changes_only_before_shipment_and_after_a_yes() -> None:
    store = MemoryDemoStore()
    move = {"order_number": "1001", "address": "12 New Street, Leeds"}
    shipped = Scripted(calls("get_order_status", {"order_number": "1001"}), calls("change_shipping_address", move))
    shipped.responses.append(reply("It has shipped already."))
    payloads = await converse(shipped, store, "please change the shipping address of order 1001")
    assert [b.guard for b in blocked(payloads)] == ['get_order_status.status == "processing"']
    processing = {"order_number": "1002", "address": "12 New Street, Leeds"}
    lookup = calls("get_order_status", {"order_number": "1002"})
    change = calls("change_shipping_address", processing)
    model = Scripted(lookup, change, reply("Ship to 12 New Street, Leeds?"), change, reply("Done."))
    payloads = await converse(model, store, "change the shipping address of order 1002", "yes, correct")
    assert [b.kind for b in blocked(payloads)] == ["confirmation"]
    assert [c["order_number"] for c in store.address_changes] == ["1002"]


# -- the offline model (the `make up` demo) follows the demo procedures -------------------------------------------


def _steps(events: list[RecordedEvent]) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    for p in (r.event.payload for r in events):
        if isinstance(p, ToolRequested | ToolCompleted):
            shown.append((p.type, p.tool))
        elif isinstance(p, GuardBlocked):
            shown.append((p.type, f"{p.tool}: {p.kind}"))
        elif isinstance(p, AgentReplied):
            shown.append((p.type, p.text))
    return shown


async def test_the_offline_model_looks_up_asks_then_refunds() -> None:
    log = MemoryEventLog()
    messages = ["please refund $20 of order #1003", "yes, go ahead"]
    shop = MemoryDemoStore()  # the demo data, dated from today: order 1003 was delivered 10 days ago
    conv = await record(log, "ten_1", OfflineModel(), messages, procedures=demo_procedures(), shop=shop)
    steps = _steps(await log.read("ten_1", conv))
    assert [s if s[0] != "agent.replied" else s[0] for s in steps] == [
        ("tool.requested", "get_order_status"),
        ("tool.completed", "get_order_status"),
        ("guard.blocked", "refund_order: confirmation"),
        "agent.replied",
        ("tool.requested", "refund_order"),
        ("tool.completed", "refund_order"),
        "agent.replied",
    ]
    question, done = [text for kind, text in steps if kind == "agent.replied"]
    assert "refund order (order_number 1003, amount 20). Shall I go ahead?" in question
    assert done.startswith("Refunded 20")


async def test_the_offline_model_passes_on_why_a_refund_is_refused() -> None:
    log = MemoryEventLog()
    conv = await record(
        log, "ten_1", OfflineModel(), ["please refund $20 of order #1005"], procedures=demo_procedures()
    )
    steps = _steps(await log.read("ten_1", conv))
    assert steps[:3] == [
        ("tool.requested", "get_order_status"),
        ("tool.completed", "get_order_status"),
        ("guard.blocked", "refund_order: precondition"),
    ]
    assert "refunds are possible only within 30 days of delivery" in steps[3][1]
    assert not any(s == ("tool.requested", "refund_order") for s in steps)
