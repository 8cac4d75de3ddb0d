"""Which fields of an event are personal data, marked once in the catalog, and how they are transformed.

A field annotated ``Personal`` (free text), ``OptionalPersonal`` or ``PersonalTree`` (a JSON object
whose every string leaf is personal: tool arguments and results) is *sealed* on the way into the log and opened on
the way out (``libs.events.sealing``). A sealed string is still a string on the wire, so the schemas, the AsyncAPI
document and every consumer's decoding are the same with and without keys; ids, types, positions, money, tokens and
timestamps are never marked, so the structure of the log and the ledger stay readable without any key.

The customer's own id is personal too: the ``id`` of an actor whose ``kind`` is ``customer`` (an e-mail address on
the email channel) is sealed with the payload's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, Field

ERASED = "[erased]"
"""What a personal field reads as once its conversation's key has been destroyed."""


class PersonalData:
    """The marker in a field's ``Annotated`` metadata (see the module docstring)."""

    def __init__(self, tree: bool = False) -> None:
        self.tree = tree

    def __repr__(self) -> str:
        return f"PersonalData(tree={self.tree})"


_TEXT = PersonalData()
_TREE = PersonalData(tree=True)
_SEALED_NOTE = {"x-deskpilot-personal": True}

Personal = Annotated[str, _TEXT, Field(json_schema_extra=_SEALED_NOTE)]
"""Free text about or from a person: sealed per conversation in the log."""
OptionalPersonal = Annotated[str | None, _TEXT, Field(json_schema_extra=_SEALED_NOTE)]
PersonalTree = Annotated[dict[str, Any], _TREE, Field(json_schema_extra=_SEALED_NOTE)]
"""A JSON object whose string leaves are sealed; its keys, numbers, booleans and nulls stay readable."""

StringMap = Callable[[str], str]


@cache
def personal_fields(model: type[BaseModel]) -> tuple[tuple[str, bool], ...]:
    """``(field name, is a tree)`` for every field of ``model`` marked personal, in declaration order."""
    marked: list[tuple[str, bool]] = []
    for name, info in model.model_fields.items():
        for meta in info.metadata:
            if isinstance(meta, PersonalData):
                marked.append((name, meta.tree))
                break
    return tuple(marked)


def map_leaves(value: Any, change: StringMap) -> Any:
    """``value`` with ``change`` applied to every string in it (dict values and list items, not dict keys)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: map_leaves(v, change) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [map_leaves(v, change) for v in value]
    return value


def personal_strings(payload: BaseModel) -> Iterator[str]:
    """Every personal string of ``payload``."""
    for name, tree in personal_fields(type(payload)):
        value = getattr(payload, name)
        if isinstance(value, str):
            yield value
        elif tree and value is not None:
            yield from _leaves(value)


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)


def map_personal(payload: BaseModel, change: StringMap) -> BaseModel:
    """``payload`` with ``change`` applied to its personal strings (the same object when it has none)."""
    fields = personal_fields(type(payload))
    if not fields:
        return payload
    updates: dict[str, Any] = {}
    for name, tree in fields:
        value = getattr(payload, name)
        if value is None:
            continue
        changed = map_leaves(value, change) if tree else change(value)
        if changed != value:
            updates[name] = changed
    # model_copy skips validation: a sealed string is a string, and nothing but personal strings changed.
    return payload.model_copy(update=updates) if updates else payload
