"""Guard expressions: a small safe language (simpleeval over Python's expression syntax; never ``eval``).

An expression is parsed once (``compile_expression``), checked against what it may name (``problems``) and then
evaluated per tool call with the call's arguments and the conversation's earlier tool results as names. What may
appear: literals, names of the procedure's tools (``refund_order.amount``, ``get_order_status.status``), field
access, comparisons (numbers compare by value: ``"129.90" >= 100`` holds), ``and or not``, ``in``, ``+ - * /``,
and the functions in ``FUNCTIONS``. Anything else (subscripts, lambdas, comprehensions, other calls) is refused.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from simpleeval import DEFAULT_OPERATORS, SimpleEval

# Names for the model: what each function does (docs/procedures.md lists them).
FUNCTION_DOCS = {
    "days_since": "whole days from a date (YYYY-MM-DD or an ISO timestamp) to today",
    "hours_since": "hours from an ISO timestamp (or a date, at midnight UTC) to now",
    "number": "a number from a number or a numeric string ('129.90')",
    "lower": "text in lower case",
    "length": "the number of items (or characters)",
}
_ARITY = {"days_since": 1, "hours_since": 1, "number": 1, "lower": 1, "length": 1}
_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Name,
    ast.Load,
    ast.Attribute,
    ast.Constant,
    ast.Call,
    ast.List,
    ast.Tuple,
)

Fields = frozenset[str] | None
"""The fields a name has (``None``: not known, so any field is accepted)."""


@dataclass(frozen=True)
class Expression:
    """A parsed expression and the tool names it reads."""

    text: str
    tree: ast.expr
    names: frozenset[str]


class ExpressionError(ValueError):
    """An expression that does not parse or uses what the language does not allow."""


def compile_expression(text: str) -> Expression:
    """Parse ``text``; :class:`ExpressionError` says what is wrong with it (and where, for a syntax error)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        at = f" at column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"does not parse{at}: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ExpressionError(f"field {node.attr!r} is not allowed")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _ARITY:
                raise ExpressionError(f"only these functions may be called: {', '.join(sorted(_ARITY))}")
            if node.keywords or len(node.args) != _ARITY[node.func.id]:
                raise ExpressionError(f"{node.func.id}() takes {_ARITY[node.func.id]} argument")
    called = {n.func for n in ast.walk(tree) if isinstance(n, ast.Call)}
    names = frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n not in called)
    return Expression(text.strip(), tree.body, names)


def problems(expression: Expression, known: Mapping[str, Fields]) -> list[tuple[str, bool]]:
    """Names ``expression`` uses that ``known`` (tool name → its fields) does not have, each with whether it rests
    on the tenant's catalog (a tool's fields) rather than on the procedure itself (its list of tools)."""
    out: list[tuple[str, bool]] = []
    for name in sorted(expression.names - set(known)):
        out.append((f"{name!r} is not one of this procedure's tools ({', '.join(sorted(known)) or 'none'})", False))
    for node in ast.walk(expression.tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in known:
            fields = known[node.value.id]
            if fields is not None and node.attr not in fields:
                listed = ", ".join(sorted(fields)) or "none"
                out.append((f"{node.value.id} has no field {node.attr!r} (its fields: {listed})", True))
    return out


# -- evaluation -----------------------------------------------------------------------------------------------------


def _number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a yes/no value is not a number")
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float | str):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise TypeError(f"{value!r} is not a number") from exc
    raise TypeError(f"{value!r} is not a number")


def _numeric(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """``op``, comparing by value when either side is a number (tool results carry money as strings)."""

    def compare(a: Any, b: Any) -> Any:
        numbers = isinstance(a, int | float | Decimal) or isinstance(b, int | float | Decimal)
        if numbers and not isinstance(a, bool) and not isinstance(b, bool):
            return op(_number(a), _number(b))
        return op(a, b)

    return compare


def _when(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    return datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))


_OPERATORS = {
    **DEFAULT_OPERATORS,
    ast.Eq: _numeric(operator.eq),
    ast.NotEq: _numeric(operator.ne),
    ast.Lt: _numeric(operator.lt),
    ast.LtE: _numeric(operator.le),
    ast.Gt: _numeric(operator.gt),
    ast.GtE: _numeric(operator.ge),
    ast.Add: _numeric(operator.add),
    ast.Sub: _numeric(operator.sub),
    ast.Mult: _numeric(operator.mul),
    ast.Div: _numeric(operator.truediv),
}


class Record:
    """Tool data as names: a mapping's keys are fields (``order.total``), never a dict's own methods; nested
    mappings are wrapped as they are read, so nothing is copied."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def __getattr__(self, name: str) -> Any:
        try:
            value = self._data[name]
        except KeyError:
            raise AttributeError(name) from None
        return Record(value) if isinstance(value, Mapping) else value


class _Clock:
    now = datetime(1970, 1, 1)


_CLOCK = _Clock()


def _days_since(value: Any) -> int:
    return (_CLOCK.now.replace(tzinfo=None).date() - _when(value).date()).days


def _hours_since(value: Any) -> float:
    when, now = _when(value), _CLOCK.now
    if when.tzinfo is None:
        now = now.replace(tzinfo=None)
    return (now - when).total_seconds() / 3600


# One engine for every evaluation: building one costs more than evaluating a guard. Evaluation is synchronous, so
# nothing else runs between setting its names (and the clock) and reading them.
_ENGINE = SimpleEval(
    operators=_OPERATORS,
    functions={
        "days_since": _days_since,
        "hours_since": _hours_since,
        "number": _number,
        "lower": lambda v: str(v).lower(),
        "length": len,
    },
    names={},
)


class Evaluator:
    """Evaluates parsed expressions at one moment ``now`` over ``data`` (tool name → arguments or result)."""

    def __init__(self, now: datetime, data: Mapping[str, Mapping[str, Any]]) -> None:
        self._now = now
        self._data = data

    def value(self, expression: Expression) -> Any:
        """The expression's value; raises when it cannot be computed (a missing field, a type that does not fit)."""
        missing = expression.names - self._data.keys()
        if missing:
            raise LookupError(f"no {', '.join(sorted(missing))} result yet")
        _CLOCK.now = self._now
        _ENGINE.names = {n: Record(self._data[n]) for n in expression.names}
        return _ENGINE.eval(expression.text, previously_parsed=expression.tree)

    def holds(self, expression: Expression) -> tuple[bool, str]:
        """Whether it holds, and why not in words when it cannot be computed (that counts as not holding)."""
        try:
            return bool(self.value(expression)), ""
        except Exception as exc:  # any failure to compute a guard blocks the call
            return False, f"could not be checked ({_why(exc)})"

    def shown(self, expression: Expression) -> dict[str, Any]:
        """The values the expression read, for the log: each ``tool.field`` it names."""
        out: dict[str, Any] = {}
        for node in ast.walk(expression.tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                source = self._data.get(node.value.id)
                value = source.get(node.attr) if source is not None else None
                plain = value is None or isinstance(value, str | int | float | bool)
                out[f"{node.value.id}.{node.attr}"] = value if plain else str(value)
        return out


def _why(exc: Exception) -> str:
    name = type(exc).__name__
    if name == "AttributeDoesNotExist":
        return f"the field {getattr(exc, 'attr', '')!r} is missing"
    return str(exc) or name
