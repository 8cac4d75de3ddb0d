"""Schemathesis hooks of the API fuzzing (``benchmarks/api_fuzz.py`` and the in-suite run in tests/e2e): load with
``SCHEMATHESIS_HOOKS=benchmarks.fuzz_hooks``.

The fuzzer plays a client that follows the contract: a valid ``Idempotency-Key`` it sends is its own for that one
request. Generated keys repeat (the coverage phase sends the same few values to every operation), and the same key
with another request is rightly refused (422 ``idempotency_key_reused``, tested in tests/contract/test_idempotency.py);
so a valid generated key is made unique per request. An invalid one is sent as generated, for the negative checks.

The contract's document formats (``deskpilot-procedure``, ``deskpilot-suite``: texts in the platform's own small
languages, whose grammar no JSON Schema states) are generated valid (below), in every phase: schemathesis draws a
string of a registered format from its strategy, in the coverage, fuzzing and stateful phases alike.

The documents are random but valid in themselves: varied names, words, keywords, steps, the demo store's tools
(what a tenant of ``deskpilot up`` offers), guards whose expressions come from a small grammar of the expression
language (docs/procedures.md#expressions) over the procedure's own tools and, for a guarded tool, its arguments;
suites of scripted tasks with unique ids and expectations of every kind. A tenant without those tools is answered
409 (what it holds decides), never 422.
"""

from __future__ import annotations

import json
import keyword
import re
import uuid
from typing import Any

import schemathesis
import yaml
from hypothesis import strategies as st

from libs.demo_store import tool_specs
from libs.platform.documents import PROCEDURE_FORMAT, SUITE_FORMAT

_VALID_KEY = re.compile(r"[\x20-\x7e]{1,200}")


@schemathesis.hook
def before_call(_context: Any, case: Any, _kwargs: dict[str, Any]) -> None:
    headers = case.headers or {}
    for name, value in list(headers.items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and _VALID_KEY.fullmatch(value):
            headers[name] = f"fuzz-{uuid.uuid4().hex}"
            # A valid key for a valid one: what the case tests is unchanged. Without this, schemathesis revalidates
            # the edited headers, with the API key it added since, and relabels a "missing Authorization" case.
            case._sync_validated_hashes()


# -- the document formats ---------------------------------------------------------------------------------------------

TOOLS = {spec.name: sorted(spec.input_schema.get("properties", {})) for spec in tool_specs()}
"""The demo store's tools and their arguments' names."""

_WORDS = st.from_regex(r"[a-z]{2,10}", fullmatch=True)
_TEXT = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x2FFF, exclude_categories=("Cs", "Cc", "Co", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=80,
)
_FIELD = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True).filter(lambda name: not keyword.iskeyword(name))
_NUMBER = st.one_of(st.integers(-1000, 100_000).map(str), st.decimals(0, 10_000, places=2).map(str))
_STRING = st.from_regex(r"[a-z ]{0,12}", fullmatch=True).map(repr)
_LITERAL = st.one_of(_NUMBER, _STRING, st.sampled_from(["True", "False", "None"]))
_COMPARE = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])
_FUNCTIONS = ["days_since", "hours_since", "number", "lower", "length"]


def rendered(document: dict[str, Any], as_json: bool) -> str:
    """The document as JSON or YAML text (safe_dump quotes what YAML would read as another type)."""
    if as_json:
        return json.dumps(document, ensure_ascii=False, indent=2)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def expression(names: dict[str, list[str]]) -> st.SearchStrategy[str]:
    """An expression over ``names`` (tool → the fields it may read; empty: any field)."""

    def field_of(tool: str) -> st.SearchStrategy[str]:
        fields = names[tool]
        return (st.sampled_from(fields) if fields else _FIELD).map(lambda f: f"{tool}.{f}")

    reads = st.sampled_from(sorted(names)).flatmap(field_of) if names else _LITERAL
    value = st.one_of(
        reads,
        _LITERAL,
        st.tuples(st.sampled_from(_FUNCTIONS), reads).map(lambda c: f"{c[0]}({c[1]})"),
        st.tuples(reads, st.sampled_from(["+", "-", "*", "/"]), _NUMBER).map(" ".join),
    )
    listed = st.lists(_LITERAL, max_size=3).map(lambda items: f"[{', '.join(items)}]")
    test = st.one_of(
        st.tuples(value, _COMPARE, value).map(" ".join),
        st.tuples(value, st.sampled_from(["in", "not in"]), listed).map(" ".join),
        value,
    )
    return st.recursive(
        test,
        lambda inner: st.one_of(
            inner.map(lambda e: f"not ({e})"),
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        ),
        max_leaves=4,
    ).filter(lambda text: len(text) <= 500)


def condition(names: dict[str, list[str]]) -> st.SearchStrategy[Any]:
    """A condition: a bare expression, or one with the words it says."""
    check = expression(names)
    return st.one_of(check, st.fixed_dictionaries({"check": check}, optional={"says": _TEXT}))


@st.composite
def guard(draw: st.DrawFn, tools: list[str]) -> dict[str, Any]:
    tool = draw(st.sampled_from(tools))
    names = {name: (TOOLS[name] if name == tool else []) for name in tools}  # a guard reads this call's arguments
    out: dict[str, Any] = {"tool": tool}
    if draw(st.booleans()):
        out["requires"] = draw(st.lists(st.sampled_from(tools), max_size=2, unique=True))
    if draw(st.booleans()):
        out["preconditions"] = draw(st.lists(condition(names), max_size=3))
    if draw(st.booleans()):
        out["confirm"] = draw(st.booleans())
    if draw(st.booleans()):
        out["says"] = draw(_TEXT)
    return out


@st.composite
def procedure_document(draw: st.DrawFn) -> dict[str, Any]:
    """A procedure document valid in itself (docs/procedures.md)."""
    tools = draw(st.lists(st.sampled_from(sorted(TOOLS)), max_size=4, unique=True))
    document: dict[str, Any] = {
        "name": draw(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,30}", fullmatch=True)),
        "applies_when": draw(_TEXT),
    }
    keywords = st.lists(st.lists(_WORDS, min_size=1, max_size=3).map(" ".join), max_size=5)
    if draw(st.booleans()):
        document["keywords"] = draw(keywords)
    if draw(st.booleans()):
        document["enabled"] = draw(st.booleans())
    document["steps"] = draw(_TEXT)
    document["tools"] = tools
    if draw(st.booleans()) and tools:
        document["guards"] = draw(st.lists(guard(tools), max_size=3))
    if draw(st.booleans()):
        document["hand_off_when"] = draw(st.lists(condition({tool: [] for tool in tools}), max_size=2))
    return document


def procedures() -> st.SearchStrategy[str]:
    """Texts of format ``deskpilot-procedure``."""
    return st.tuples(procedure_document(), st.booleans()).map(lambda pair: rendered(*pair))


def _call() -> st.SearchStrategy[dict[str, Any]]:
    arguments = st.dictionaries(_FIELD, st.one_of(_WORDS, st.integers(0, 5000), st.booleans()), max_size=2)
    return st.fixed_dictionaries({"tool": st.sampled_from(sorted(TOOLS))}, optional={"arguments": arguments})


def _expect() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "tool_calls": st.lists(_call(), max_size=2),
            "no_tool_calls": st.lists(_call(), max_size=1),
            "handoff": st.booleans(),
            "told": st.lists(_WORDS, max_size=2),
            "not_told": st.lists(_WORDS, max_size=2),
            "store": st.fixed_dictionaries({}, optional={"refunds": st.integers(0, 3)}),
        },
    )


@st.composite
def suite_document(draw: st.DrawFn) -> dict[str, Any]:
    """A suite valid in itself (docs/simulation.md): scripted customers, unique task ids, the demo store."""
    ids = draw(st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True), min_size=1, max_size=3))
    tasks = []
    for task_id in dict.fromkeys(ids):  # unique, in order
        task: dict[str, Any] = {
            "id": task_id,
            "customer": {"messages": draw(st.lists(_TEXT, min_size=1, max_size=2))},
            "expect": draw(_expect()),
        }
        if draw(st.booleans()):
            task["description"] = draw(_TEXT)
        tasks.append(task)
    suite: dict[str, Any] = {"suite": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,30}", fullmatch=True))}
    if draw(st.booleans()):
        suite["setup"] = {"approvals": draw(st.sampled_from(["approve", "deny"]))}
    suite["tasks"] = tasks
    return suite


def suites() -> st.SearchStrategy[str]:
    """Texts of format ``deskpilot-suite``."""
    return st.tuples(suite_document(), st.booleans()).map(lambda pair: rendered(*pair))


schemathesis.openapi.format(PROCEDURE_FORMAT, procedures())
schemathesis.openapi.format(SUITE_FORMAT, suites())
