"""The contract's formats for documents written in the platform's own small languages.

A procedure (docs/procedures.md) or a simulation suite (docs/simulation.md) travels in a request as its YAML or
JSON text. JSON Schema cannot state such a document's grammar (guard expressions, fields that name each other, task
ids unique in a suite), so the contract names it by an OpenAPI ``format`` of its own, in the open vocabulary OpenAPI
allows, described with a link to its documentation: a string of the format is a document the platform reads without
a problem of its own. What the document names that the tenant does not have (a tool of its catalog, a field of one,
a model the operator configured) is the server's state, answered 409 with each problem's field and line; a document
that breaks its grammar is 422, likewise.

A YAML stream holds no NUL (the YAML character set excludes it), so these strings state the edge's refusal of one
by their format, as a pattern states it for other text. Clients and fuzzers generate valid documents from the
format: benchmarks/fuzz_hooks.py registers a generator for each with schemathesis.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

PROCEDURE_FORMAT = "deskpilot-procedure"
SUITE_FORMAT = "deskpilot-suite"
PROCEDURE_MAX_CHARS = 20_000
"""A procedure's text, in characters: one past it still fits a service's 256 KiB body limit (DESKPILOT_MAX_BODY_BYTES)
in any JSON encoding (12 bytes for an astral character written as two \\u escapes), so an over-long text is the
API's 422, not the edge's 413, which schemathesis does not count as a refusal of invalid data (ST201 at 100,000)."""

DOCUMENT_FORMATS = {
    PROCEDURE_FORMAT: "a procedure as YAML or JSON text, at most 20,000 characters: its fields, guard expressions and "
    "tools as docs/procedures.md describes them",
    SUITE_FORMAT: "a simulation suite as YAML or JSON text: tasks with unique ids, customers, setups and expectations "
    "as docs/simulation.md describes them",
}
"""Each format's name → what a string of it is, and where its grammar is documented."""


MAX_CHARS = {PROCEDURE_FORMAT: PROCEDURE_MAX_CHARS}
"""The formats whose text is bounded here (a suite is bounded by the body limit alone)."""


def document_text(name: str) -> Any:
    """A request field (``pydantic.Field``) holding a document of format ``name``: what it holds, where its grammar
    is documented, and how its problems are answered."""
    description = (
        f"{DOCUMENT_FORMATS[name]} (format `{name}`); each problem is named by field and line: 422 when the document "
        "is wrong, 409 when it names what this tenant does not have"
    )
    return Field(max_length=MAX_CHARS.get(name), description=description, json_schema_extra={"format": name})
