"""Generates docs/events.md from the code: subjects, the envelope, every event of the catalog, and the upcasters.

    .venv/bin/python -m libs.events.catalog_docs > docs/events.md

Everything printed comes from the code (docstrings, pydantic fields and their JSON schema), so the published
contract cannot drift from the models; ``tests/libs/test_docs.py`` fails when docs/events.md is out of date.
The output is deterministic: same code, same bytes.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import typing
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from libs.events import catalog, envelope, subjects, upcasters
from libs.events.catalog import EVENT_TYPES, EventPayload
from libs.events.envelope import Envelope

Schema = dict[str, Any]

REGENERATE = ".venv/bin/python -m libs.events.catalog_docs > docs/events.md"
# Placeholders that are valid subject tokens, so the real subject functions can build the patterns shown.
_TENANT, _CONVERSATION, _CONSUMER, _SERVICE = "__tenant__", "__conversation__", "__consumer__", "__service__"
_PLACEHOLDERS = {_TENANT: "<tenant>", _CONVERSATION: "<conversation>", _CONSUMER: "<consumer>", _SERVICE: "<service>"}


def _md(text: str) -> str:
    """reST inline literals (````x````) as Markdown code spans."""
    return re.sub(r"``([^`]+)``", r"`\1`", text)


def _doc(obj: object) -> str:
    return _md(inspect.getdoc(obj) or "")


def _first_line(obj: object) -> str:
    return _doc(obj).split("\n\n", 1)[0].replace("\n", " ")


def _cell(text: str) -> str:
    """Text that is safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _placeholders(subject: str) -> str:
    for token, shown in _PLACEHOLDERS.items():
        subject = subject.replace(token, shown)
    return subject


# --- types and fields ----------------------------------------------------------------------------------------


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _wire_type(prop: Schema) -> str:
    """A JSON-schema property (serialization mode) as a short wire type."""
    if "const" in prop:
        return f'`"{prop["const"]}"`'
    if "enum" in prop:
        return " | ".join(f'`"{v}"`' for v in prop["enum"])
    if "$ref" in prop:
        name = _ref_name(prop["$ref"])
        return f"[{name}](#{name.lower()})"
    if "discriminator" in prop:
        return f"object, one of the payloads below, chosen by `{prop['discriminator']['propertyName']}`"
    if "anyOf" in prop:
        return " | ".join(_wire_type(option) for option in prop["anyOf"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"array of {_wire_type(prop.get('items', {}))}"
    if kind == "null":
        return "`null`"
    if "format" in prop:
        return f"{kind} ({prop['format']})"
    return str(kind)


def _constraints(prop: Schema) -> list[str]:
    """Value constraints of a JSON-schema property (validation mode), from any branch of an ``anyOf``."""
    found: list[str] = []
    for option in [prop, *prop.get("anyOf", [])]:
        for key, shown in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
            if key in option:
                value = option[key]
                text = f"{shown} {int(value) if float(value).is_integer() else value}"
                if text not in found:
                    found.append(text)
        for key, shown in (("minLength", "min length"), ("maxLength", "max length")):
            if key in option:
                found.append(f"{shown} {option[key]}")
        if "pattern" in option:
            found.append(f"pattern `{option['pattern']}`")
    return found


def _field_rows(model: type[BaseModel]) -> Iterator[str]:
    wire = model.model_json_schema(mode="serialization")
    valid = model.model_json_schema(mode="validation")
    required = set(wire.get("required", []))
    for name, field in model.model_fields.items():
        prop: Schema = wire["properties"][name]
        kind = _wire_type(prop)
        if field.annotation is Decimal:
            kind = "string (exact decimal, fixed-point)"
        limits = _constraints(valid["properties"][name])
        if limits:
            kind += ", " + ", ".join(limits)
        presence = "required" if name in required else f"default `{json.dumps(prop.get('default'))}`"
        description = prop.get("description", "")
        if name == "type" and issubclass(model, EventPayload):
            description = description or "discriminator: always equals the envelope's `type`"
        yield f"| `{name}` | {_cell(kind)} | {presence} | {_cell(_md(description))} |"


def _field_table(model: type[BaseModel]) -> list[str]:
    return ["| field | type | required / default | description |", "|---|---|---|---|", *_field_rows(model)]


def _nested_models(model: type[BaseModel]) -> list[type[BaseModel]]:
    """Models used inside ``model``'s fields (not event payloads, which have their own sections), by name."""
    found: dict[str, type[BaseModel]] = {}

    def walk(annotation: object) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if not issubclass(annotation, EventPayload) and annotation.__name__ not in found:
                found[annotation.__name__] = annotation
                for field in annotation.model_fields.values():
                    walk(field.annotation)
            return
        for arg in typing.get_args(annotation):
            walk(arg)

    for field in model.model_fields.values():
        walk(field.annotation)
    return [found[name] for name in sorted(found)]


# --- sections ------------------------------------------------------------------------------------------------


def _subject_scheme() -> list[str]:
    intro, _, rest = _doc(subjects).partition("\n\n")
    out = ["## Subjects", "", intro, ""]
    for line in rest.splitlines():
        match = re.match(r"^`(.+?)`\s{2,}(.+)$", line)
        if match:
            out.append(f"- `{match.group(1)}` — {match.group(2)}")
        else:
            out.append(line)
    examples: list[tuple[str, Callable[..., str], tuple[str, ...]]] = [
        ("conversation_subject", subjects.conversation_subject, (_TENANT, _CONVERSATION, "<type>")),
        ("conversation_filter", subjects.conversation_filter, (_TENANT, _CONVERSATION)),
        ("tenant_subject", subjects.tenant_subject, (_TENANT, "<type>")),
        ("any_conversation", subjects.any_conversation, ("<type>",)),
        ("any_tenant", subjects.any_tenant, ("<type>",)),
        ("any_command", subjects.any_command, ("<type>", _SERVICE)),
        ("dead_letter_subject", subjects.dead_letter_subject, (_CONSUMER,)),
    ]
    out += ["", "Built only by `libs/events/subjects.py`:", "", "| function | gives | use |", "|---|---|---|"]
    for name, fn, args in examples:
        out.append(f"| `{name}` | `{_placeholders(fn(*args))}` | {_cell(_first_line(fn))} |")
    return out


def _envelope_section() -> list[str]:
    out = ["## The envelope", "", _doc(envelope), "", f"`Envelope`: {_first_line(Envelope)}", ""]
    out += _field_table(Envelope)
    for model in _nested_models(Envelope):
        out += ["", f"### {model.__name__}", "", _first_line(model), "", *_field_table(model)]
    return out


def _event_section(event_type: str, cls: type[EventPayload]) -> list[str]:
    if cls.ROUTE is not None:
        subject = subjects.conversation_subject(_TENANT, _CONVERSATION, event_type, _SERVICE)
        consumers = subjects.any_command(event_type, _SERVICE)
    elif cls.SCOPE == "conversation":
        subject = subjects.conversation_subject(_TENANT, _CONVERSATION, event_type)
        consumers = subjects.any_conversation(event_type)
    else:
        subject = subjects.tenant_subject(_TENANT, event_type)
        consumers = subjects.any_tenant(event_type)
    return [
        f"### `{event_type}`",
        "",
        f"> {_first_line(cls)}",
        "",
        f"- model: `{cls.__module__}.{cls.__name__}`, schema version **{cls.SCHEMA_VERSION}**",
        f"- scope: **{cls.SCOPE}**; kind: **{cls.KIND}**"
        + (f" (routed by `{cls.ROUTE}` to its one consumer)" if cls.ROUTE else ""),
        f"- produced by: {', '.join(f'`{p}`' for p in cls.PRODUCERS)}",
        f"- subject: `{_placeholders(subject)}` (consumers filter on `{_placeholders(consumers)}`)",
        "",
        *_field_table(cls),
    ]


def _upcaster_section() -> list[str]:
    out = ["## Upcasters", "", _doc(upcasters), ""]
    registered = upcasters._UPCASTERS
    if not registered:
        return [*out, "None registered."]
    out += ["| event | from | to | function |", "|---|---|---|---|"]
    keys = sorted(registered)
    for event_type, version in keys:
        fn = registered[(event_type, version)]
        out.append(f"| `{event_type}` | v{version} | v{version + 1} | `{fn.__module__}.{fn.__name__}` |")
    for event_type, version in keys:
        fn = registered[(event_type, version)]
        out += ["", f"### `{event_type}` v{version} → v{version + 1}", "", _doc(fn)]
    return out


def render_catalog() -> str:
    """docs/events.md: the subject scheme, the envelope, every event type, and the upcasters, from the code."""
    lines = [
        "# Event catalog",
        "",
        f"<!-- Generated from libs/events by libs/events/catalog_docs.py; do not edit. Regenerate: {REGENERATE} -->",
        "",
        _doc(catalog),
        "",
        "| type | version | scope | kind | produced by | contract |",
        "|---|---|---|---|---|---|",
    ]
    for event_type, cls in EVENT_TYPES.items():
        anchor = re.sub(r"[^a-z0-9_-]", "", event_type)
        lines.append(
            f"| [`{event_type}`](#{anchor}) | v{cls.SCHEMA_VERSION} | {cls.SCOPE} | {cls.KIND} "
            f"| {', '.join(cls.PRODUCERS)} | {_cell(_first_line(cls))} |"
        )
    lines += ["", *_subject_scheme(), "", *_envelope_section(), "", "## Events"]
    shared: dict[str, type[BaseModel]] = {}
    for event_type, cls in EVENT_TYPES.items():
        lines += ["", *_event_section(event_type, cls)]
        shared.update({m.__name__: m for m in _nested_models(cls)})
    if shared:
        lines += ["", "## Types used in payloads"]
        for name in sorted(shared):
            lines += ["", f"### {name}", "", _first_line(shared[name]), "", *_field_table(shared[name])]
    lines += ["", *_upcaster_section()]
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_catalog())
