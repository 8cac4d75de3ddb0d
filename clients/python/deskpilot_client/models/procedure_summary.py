from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ProcedureSummary")


@_attrs_define
class ProcedureSummary:
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
    """

    name: str
    version: int
    enabled: bool
    applies_when: str
    keywords: list[str]
    tools: list[str]
    guarded_tools: list[str]
    updated_at: datetime.datetime
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
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        version = d.pop("version")

        enabled = d.pop("enabled")

        applies_when = d.pop("applies_when")

        keywords = cast(list[str], d.pop("keywords"))

        tools = cast(list[str], d.pop("tools"))

        guarded_tools = cast(list[str], d.pop("guarded_tools"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        procedure_summary = cls(
            name=name,
            version=version,
            enabled=enabled,
            applies_when=applies_when,
            keywords=keywords,
            tools=tools,
            guarded_tools=guarded_tools,
            updated_at=updated_at,
        )

        procedure_summary.additional_properties = d
        return procedure_summary

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
