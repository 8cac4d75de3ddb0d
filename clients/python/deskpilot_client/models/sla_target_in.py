from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SlaTargetIn")


@_attrs_define
class SlaTargetIn:
    """
    Attributes:
        first_response_seconds (int):
        resolution_seconds (int):
    """

    first_response_seconds: int
    resolution_seconds: int

    def to_dict(self) -> dict[str, Any]:
        first_response_seconds = self.first_response_seconds

        resolution_seconds = self.resolution_seconds

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "first_response_seconds": first_response_seconds,
                "resolution_seconds": resolution_seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        first_response_seconds = d.pop("first_response_seconds")

        resolution_seconds = d.pop("resolution_seconds")

        sla_target_in = cls(
            first_response_seconds=first_response_seconds,
            resolution_seconds=resolution_seconds,
        )

        return sla_target_in
