from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.procedure_view_document import ProcedureViewDocument


T = TypeVar("T", bound="ProcedureView")


@_attrs_define
class ProcedureView:
    """
    Attributes:
        name (str):
        version (int):
        enabled (bool):
        applies_when (str):
        keywords (list[str]):
        tools (list[str]):
        guarded_tools (list[str]): the tools this procedure's guards hold, on every call
        updated_at (datetime.datetime):
        source (str): the document as it was written
        document (ProcedureViewDocument): the document as validated (defaults filled in)
        created_at (datetime.datetime):
    """

    name: str
    version: int
    enabled: bool
    applies_when: str
    keywords: list[str]
    tools: list[str]
    guarded_tools: list[str]
    updated_at: datetime.datetime
    source: str
    document: ProcedureViewDocument
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        version = self.version

        enabled = self.enabled

        applies_when = self.applies_when

        keywords = self.keywords

        tools = self.tools

        guarded_tools = self.guarded_tools

        updated_at = self.updated_at.isoformat()

        source = self.source

        document = self.document.to_dict()

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "version": version,
                "enabled": enabled,
                "applies_when": applies_when,
                "keywords": keywords,
                "tools": tools,
                "guarded_tools": guarded_tools,
                "updated_at": updated_at,
                "source": source,
                "document": document,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.procedure_view_document import ProcedureViewDocument  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        enabled = d.pop("enabled")

        applies_when = d.pop("applies_when")

        keywords = cast(list[str], d.pop("keywords"))

        tools = cast(list[str], d.pop("tools"))

        guarded_tools = cast(list[str], d.pop("guarded_tools"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        source = d.pop("source")

        document = ProcedureViewDocument.from_dict(d.pop("document"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        procedure_view = cls(
            name=name,
            version=version,
            enabled=enabled,
            applies_when=applies_when,
            keywords=keywords,
            tools=tools,
            guarded_tools=guarded_tools,
            updated_at=updated_at,
            source=source,
            document=document,
            created_at=created_at,
        )

        procedure_view.additional_properties = d
        return procedure_view

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
