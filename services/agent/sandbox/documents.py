"""Documents a tenant writes (a candidate, a simulation suite) as YAML or JSON, validated into pydantic models with
every problem named by field *and line*.

JSON is read by the YAML parser too (a JSON document is valid YAML), so both get line numbers. Bodies that arrive
already parsed (a JSON object in an API request) are validated the same way, named by field only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a document: where (dotted field path, line when known) and what."""

    field: str
    message: str
    line: int | None = None
    held: bool = False
    """The document is valid in itself and names what the server does not hold for the tenant (a tool of its
    catalog, a field of one, a model the operator configured): answered 409, not 422, since no schema of the
    document can state it."""
    forbidden: bool = False
    """The document is valid in itself and names what the operator's rules refuse a tenant (a model server that is
    not a public address): answered 403."""

    def under(self, prefix: str) -> Problem:
        """The same problem, its field inside ``prefix`` (a suite's within a publish, a procedure's in a candidate)."""
        field = f"{prefix}.{self.field}" if self.field else prefix
        return Problem(field, self.message, self.line, self.held, self.forbidden)

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.field or '(document)'}: {self.message}"


class InvalidDocument(ValueError):
    """A document that does not validate; ``problems`` says every field that is wrong."""

    def __init__(self, what: str, problems: list[Problem]) -> None:
        super().__init__(f"invalid {what}: " + "; ".join(str(p) for p in problems))
        self.what = what
        self.problems = problems

    @property
    def status(self) -> int:
        """422 when the document is wrong in itself; else 403 when the operator's rules refuse what it names
        (:attr:`Problem.forbidden`), 409 when it names what the server does not hold (:attr:`Problem.held`)."""
        if not self.problems or any(not (p.held or p.forbidden) for p in self.problems):
            return 422
        return 403 if any(p.forbidden for p in self.problems) else 409


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("tasks", 2, "expect")`` → ``tasks[2].expect``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The line of the deepest node ``loc`` reaches (its parent's, for a missing field)."""
    if node is None:
        return None
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
        if child is None:
            break
        node = child
    return int(node.start_mark.line) + 1


def line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """The line ``loc`` names in the document ``node`` (for checks made after validation), if known."""
    return _line_of(node, loc)


def problems_of(error: ValidationError, node: yaml.Node | None = None, at: tuple[int | str, ...] = ()) -> list[Problem]:
    """Each error of ``error``, for data found at ``at`` in the document ``node`` (when there is one)."""
    out: list[Problem] = []
    for item in error.errors(include_url=False):
        # Union members and tagged types add their own names to the location; the reader's field is what matters.
        loc = at + tuple(p for p in item["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        out.append(Problem(field_path(loc), item["msg"], _line_of(node, loc)))
    return out


def parse(text: str, what: str) -> tuple[Any, yaml.Node | None]:
    """The document's data and its node tree (for line numbers)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise InvalidDocument(what, [Problem("", f"not valid YAML or JSON: {exc.problem or exc}", line)]) from exc
    except yaml.YAMLError as exc:
        raise InvalidDocument(what, [Problem("", f"not valid YAML or JSON: {exc}")]) from exc
    return data, node


def load_with_lines(model: type[T], text: str, what: str) -> tuple[T, yaml.Node | None]:
    """``text`` (YAML or JSON) validated as ``model``, and its node tree (to name lines of later checks)."""
    data, node = parse(text, what)
    if not isinstance(data, dict):
        raise InvalidDocument(what, [Problem("", "the document must be a mapping of fields", 1)])
    try:
        return model.model_validate(data), node
    except ValidationError as exc:
        raise InvalidDocument(what, problems_of(exc, node)) from exc


def load(model: type[T], text: str, what: str) -> T:
    """``text`` (YAML or JSON) validated as ``model``; :class:`InvalidDocument` names each problem's line."""
    return load_with_lines(model, text, what)[0]


def validate(model: type[T], data: Any, what: str) -> T:
    """Already parsed data (an API body) validated as ``model``; problems are named by field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidDocument(what, problems_of(exc)) from exc
