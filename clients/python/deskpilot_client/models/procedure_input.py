from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ProcedureInput")


@_attrs_define
class ProcedureInput:
    """A procedure to save: its text, YAML or JSON (docs/procedures.md); problems are named by line and field.

    Attributes:
        source (str): a procedure as YAML or JSON text, at most 100,000 characters: its fields, guard expressions and
            tools as docs/procedures.md describes them (format `deskpilot-procedure`); each problem is named by field and
            line: 422 when the document is wrong, 409 when it names what this tenant does not have
    """

    source: str

    def to_dict(self) -> dict[str, Any]:
        source = self.source

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "source": source,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        source = d.pop("source")

        procedure_input = cls(
            source=source,
        )

        return procedure_input
