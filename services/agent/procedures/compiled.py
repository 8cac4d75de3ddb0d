"""Procedures checked against the tenant's tools and compiled for the runtime: expressions parsed once, keywords
ready for matching. ``validate`` names the line and field of every problem; ``compile_procedure`` trusts a stored
(validated) document."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import yaml

from libs.events import ToolSpec
from services.agent.procedures.document import Condition, ProcedureDocument
from services.agent.procedures.expressions import (
    Expression,
    ExpressionError,
    Fields,
    compile_expression,
    problems,
)
from services.agent.sandbox.documents import InvalidDocument, Problem, field_path, line_of, load_with_lines, validate

WHAT = "procedure"


@dataclass(frozen=True)
class CompiledCondition:
    expression: Expression
    says: str

    @property
    def reason(self) -> str:
        return self.says or self.expression.text


@dataclass(frozen=True)
class CompiledGuard:
    tool: str
    requires: tuple[str, ...]
    preconditions: tuple[CompiledCondition, ...]
    confirm: bool
    says: str


@dataclass(frozen=True)
class Procedure:
    """A procedure ready to run: its document, parsed guards and hand-off conditions, and its matching words."""

    name: str
    version: int
    document: ProcedureDocument
    guards: tuple[CompiledGuard, ...]
    hand_off: tuple[CompiledCondition, ...]
    words: frozenset[str]  # one-word keywords
    phrases: tuple[str, ...]  # keywords of several words, matched in the normalised text
    topic: frozenset[str]  # content words of ``applies_when``, for a match without keywords


_STOP = frozenset(
    re.findall(
        r"\w+",
        "a an and are as at be but by can for from has have i if in is it its me my of on or our so that the their "
        "them they this to was we were what when where which who will with you your customer customers wants want "
        "asks ask",
    )
)


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _condition(condition: Condition) -> CompiledCondition:
    return CompiledCondition(compile_expression(condition.check), condition.says)


def compile_procedure(document: ProcedureDocument, version: int = 1) -> Procedure:
    """The runtime form of a validated document (raises :class:`ExpressionError` on one that never was)."""
    guards = tuple(
        CompiledGuard(g.tool, g.requires, tuple(_condition(c) for c in g.preconditions), g.confirm, g.says)
        for g in document.guards
    )
    return Procedure(
        name=document.name,
        version=version,
        document=document,
        guards=guards,
        hand_off=tuple(_condition(c) for c in document.hand_off_when),
        words=frozenset(k for k in document.keywords if " " not in k),
        phrases=tuple(k for k in document.keywords if " " in k),
        topic=frozenset(w for w in words_of(document.applies_when) if w not in _STOP and len(w) > 2),
    )


def argument_fields(spec: ToolSpec) -> Fields:
    properties = spec.input_schema.get("properties")
    return frozenset(properties) if isinstance(properties, dict) else None


def result_fields(spec: ToolSpec) -> Fields:
    """A tool's result fields when its source declares an output schema (MCP ``outputSchema``), else unknown."""
    schema = spec.annotations.get("output_schema") or spec.annotations.get("outputSchema")
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return frozenset(properties) if isinstance(properties, dict) else None


class _Checker:
    def __init__(self, document: ProcedureDocument, node: yaml.Node | None, catalog: Mapping[str, ToolSpec]) -> None:
        self.document = document
        self.node = node
        self.catalog = catalog
        self.found: list[Problem] = []

    def add(self, loc: tuple[int | str, ...], message: str, *, held: bool = False) -> None:
        self.found.append(Problem(field_path(loc), message, line_of(self.node, loc), held))

    def tool(self, loc: tuple[int | str, ...], name: str, *, own: bool = True) -> bool:
        if name not in self.catalog:  # the tenant's catalog decides, not the document: held (409)
            listed = ", ".join(sorted(self.catalog))
            self.add(loc, f"unknown tool {name!r} (this tenant's tools: {listed})", held=True)
            return False
        if own and name not in self.document.tools:
            self.add(loc, f"{name!r} is not one of the procedure's tools (add it to `tools`)")
            return False
        return True

    def expression(self, loc: tuple[int | str, ...], condition: Condition, known: Mapping[str, Fields]) -> None:
        try:
            parsed = compile_expression(condition.check)
        except ExpressionError as exc:
            self.add(loc, f"{condition.check!r} {exc}")
            return
        for message, held in problems(parsed, known):
            self.add(loc, f"{condition.check!r}: {message}", held=held)

    def known(self, guarded: str | None) -> dict[str, Fields]:
        """The procedure's tools and their fields (unknown for a tool the catalog lacks: reported as such)."""
        out: dict[str, Fields] = {}
        for name in self.document.tools:
            spec = self.catalog.get(name)
            if spec is None:
                out[name] = None
            else:
                out[name] = argument_fields(spec) if name == guarded else result_fields(spec)
        return out

    def run(self) -> list[Problem]:
        for i, name in enumerate(self.document.tools):
            self.tool(("tools", i), name, own=False)
        for i, guard in enumerate(self.document.guards):
            if not self.tool(("guards", i, "tool"), guard.tool):
                continue
            for j, required in enumerate(guard.requires):
                self.tool(("guards", i, "requires", j), required)
            known = self.known(guard.tool)
            for j, condition in enumerate(guard.preconditions):
                self.expression(("guards", i, "preconditions", j, "check"), condition, known)
        for j, condition in enumerate(self.document.hand_off_when):
            self.expression(("hand_off_when", j, "check"), condition, self.known(None))
        return self.found


def check(document: ProcedureDocument, catalog: Iterable[ToolSpec], node: yaml.Node | None = None) -> list[Problem]:
    """Every problem of a schema-valid document against the tenant's tools: unknown tools, expressions that do not
    parse or name a tool or field that is not there."""
    return _Checker(document, node, {t.name: t for t in catalog}).run()


def load_procedure(source: str | dict[str, object], catalog: Sequence[ToolSpec]) -> ProcedureDocument:
    """A document from YAML/JSON text (problems by line and field) or a parsed object (by field), checked against
    ``catalog``; :class:`InvalidDocument` lists every problem."""
    if isinstance(source, str):
        document, node = load_with_lines(ProcedureDocument, source, WHAT)
    else:
        document, node = validate(ProcedureDocument, source, WHAT), None
    found = check(document, catalog, node)
    if found:
        raise InvalidDocument(WHAT, found)
    return document
