"""What the contract says a request may hold: exactly what the code accepts, derived from the code.

Litestar's document of a pydantic request model drops what it cannot translate (a string's ``pattern`` beside
``None``, constrained list items, literals nested in unions …), so a client, or a fuzzer, reading it sends requests
the model refuses. The request bodies are therefore documented by pydantic's own JSON Schema of the model, in
validation mode: what ``model_validate`` accepts. And what the edge (``libs.platform.edge``) refuses before any
model sees it is stated on every input it screens: no control character in a path or query parameter, no NUL in a
body's text, no integer beyond 64 bits in a body. A free-form JSON object of a body (a simulation suite, a procedure
document, a replay's candidate …) holds :data:`JSON_VALUE` values, which say the same at every depth.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from libs.platform.documents import DOCUMENT_FORMATS
from libs.platform.edge import INT_RANGE, MAX_JSON_DEPTH

REF = "#/components/schemas/{model}"
DECIMAL = r"^-?\d+(\.\d+)?$"
NON_NEGATIVE_DECIMAL = r"^\d+(\.\d+)?$"
EXPONENT = r"([eE][+-]?\d+)?$"
NO_CONTROL_CHARACTER = "^[^\\x00-\\x1f\\x7f]*$"
"""A path or query parameter the edge lets through (``_CONTROL`` of ``libs.platform.edge``)."""
NO_NUL = "^[^\\x00]*$"
"""A body's text the edge lets through (a NUL is refused; a lone surrogate cannot be written in UTF-8 JSON)."""


JSON_VALUE = "JsonValue"
JSON_VALUE_SCHEMA: dict[str, Any] = {
    "description": "Any JSON value, as the edge lets it through in a request body (else 400 `hostile_input`): no "
    f"text, key or value, holds a NUL (U+0000); every integer is within 64 bits ({INT_RANGE[0]} to {INT_RANGE[1]}); "
    f"every number is finite; the whole body nests at most {MAX_JSON_DEPTH} levels deep.",
    # Stated without a `type` and without `anyOf` branches, which openapi-python-client cannot generate for a
    # recursive schema (it drops every operation that reaches one): the generated client keeps these values as
    # plain JSON (`dict[str, Any]`), while a validator or a fuzzer applies the rules at every depth.
    "not": {
        "anyOf": [
            {"type": "string", "pattern": "\\x00"},
            {"type": "integer", "not": {"minimum": INT_RANGE[0], "maximum": INT_RANGE[1]}},
        ]
    },
    "items": {"$ref": REF.format(model=JSON_VALUE)},
    "additionalProperties": {"$ref": REF.format(model=JSON_VALUE)},
    "propertyNames": {"pattern": "^[^\\x00]*$"},
}
"""What a free-form object of a request body holds (``dict[str, Any]`` in a request model)."""


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models a body annotation names (itself, or inside ``X | None``, ``list[X]`` …)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None:
        return [model for arg in typing.get_args(annotation) for model in _models(arg)]
    return []


class _AsValidated(GenerateJsonSchema):
    """pydantic's validation schema, with a ``Decimal``'s string branch stating which strings it takes: a decimal,
    with an exponent or not (non-negative where the field is), not any string. The exponent is there because the same
    component describes answers too, and pydantic writes a large or tiny Decimal as ``-4.4E+255``."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> JsonSchemaValue:
        out = super().decimal_schema(schema)
        low = schema.get("ge", schema.get("gt"))
        for branch in out.get("anyOf", []):
            if branch.get("type") == "string" and "pattern" not in branch:
                branch["pattern"] = (NON_NEGATIVE_DECIMAL if low is not None and low >= 0 else DECIMAL)[:-1] + EXPONENT
        return out


def body_schemas(annotation: Any) -> dict[str, Any]:
    """Component schemas, by name, of every model of a request body as pydantic validates it."""
    out: dict[str, Any] = {}
    for model in _models(annotation):
        schema = model.model_json_schema(mode="validation", ref_template=REF, schema_generator=_AsValidated)
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


def _screened_string(schema: dict[str, Any], pattern: str) -> None:
    if schema.get("type") == "string" and not {"pattern", "enum", "const"} & schema.keys():
        schema["pattern"] = pattern


def screen_body(schema: dict[str, Any]) -> None:
    """State the edge's refusals on a string or integer schema of a request body (a document of one of our formats
    states it by its format: a YAML stream holds no NUL, ``libs.platform.documents``)."""
    if schema.get("format") not in DOCUMENT_FORMATS:
        _screened_string(schema, NO_NUL)
    if schema.get("type") == "object" and schema.get("additionalProperties") is True:
        schema["additionalProperties"] = {"$ref": REF.format(model=JSON_VALUE)}
    if schema.get("type") == "object" and isinstance(schema.get("additionalProperties"), dict):
        # a map's keys are text too (SSO's role_values: a key with a NUL was a schema-valid 400)
        names = schema.setdefault("propertyNames", {})
        if not {"pattern", "format", "enum", "const"} & names.keys():
            names["pattern"] = NO_NUL
    if schema.get("type") == "integer":
        schema.setdefault("minimum", INT_RANGE[0])
        schema.setdefault("maximum", INT_RANGE[1])
    if "default" in schema and schema["default"] is None and not _allows_null(schema):
        del schema["default"]  # a field that may be left out but not null (``SkipJsonSchema[None]``)


def _allows_null(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
        return True
    branches = [*schema.get("anyOf", []), *schema.get("oneOf", [])]
    return any(isinstance(b, dict) and (b.get("type") == "null" or "$ref" in b) for b in branches) or not (
        "type" in schema or branches or "$ref" in schema
    )


def screen_parameters(operation: dict[str, Any]) -> None:
    """No control character in any string of a path or query parameter."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") not in ("path", "query"):
            continue
        schema = parameter.get("schema", {})
        for branch in [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]:
            if isinstance(branch, dict):
                _screened_string(branch, NO_CONTROL_CHARACTER)
