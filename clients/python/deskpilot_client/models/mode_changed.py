from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ModeChanged")


@_attrs_define
class ModeChanged:
    """
    Attributes:
        integration (str):
        mode (str):
        reads (str | Unset):  Default: 'live'.
    """

    integration: str
    mode: str
    reads: str | Unset = "live"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        integration = self.integration

        mode = self.mode

        reads = self.reads

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "integration": integration,
                "mode": mode,
            }
        )
        if reads is not UNSET:
            field_dict["reads"] = reads

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        integration = d.pop("integration")

        mode = d.pop("mode")

        reads = d.pop("reads", UNSET)

        mode_changed = cls(
            integration=integration,
            mode=mode,
            reads=reads,
        )

        mode_changed.additional_properties = d
        return mode_changed

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
