from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SlaTarget")


@_attrs_define
class SlaTarget:
    """
    Attributes:
        priority (str):
        first_response_seconds (int):
        resolution_seconds (int):
    """

    priority: str
    first_response_seconds: int
    resolution_seconds: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        priority = self.priority

        first_response_seconds = self.first_response_seconds

        resolution_seconds = self.resolution_seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "priority": priority,
                "first_response_seconds": first_response_seconds,
                "resolution_seconds": resolution_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        priority = d.pop("priority")

        first_response_seconds = d.pop("first_response_seconds")

        resolution_seconds = d.pop("resolution_seconds")

        sla_target = cls(
            priority=priority,
            first_response_seconds=first_response_seconds,
            resolution_seconds=resolution_seconds,
        )

        sla_target.additional_properties = d
        return sla_target

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
