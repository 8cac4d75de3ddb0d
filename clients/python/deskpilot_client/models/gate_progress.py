from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="GateProgress")


@_attrs_define
class GateProgress:
    """
    Attributes:
        replayed (int | Unset): conversations replayed so far Default: 0.
        conversations (int | Unset): conversations to replay Default: 0.
        suites_run (int | Unset):  Default: 0.
        suites (int | Unset): simulation suites to run Default: 0.
    """

    replayed: int | Unset = 0
    conversations: int | Unset = 0
    suites_run: int | Unset = 0
    suites: int | Unset = 0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        replayed = self.replayed

        conversations = self.conversations

        suites_run = self.suites_run

        suites = self.suites

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if replayed is not UNSET:
            field_dict["replayed"] = replayed
        if conversations is not UNSET:
            field_dict["conversations"] = conversations
        if suites_run is not UNSET:
            field_dict["suites_run"] = suites_run
        if suites is not UNSET:
            field_dict["suites"] = suites

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        replayed = d.pop("replayed", UNSET)

        conversations = d.pop("conversations", UNSET)

        suites_run = d.pop("suites_run", UNSET)

        suites = d.pop("suites", UNSET)

        gate_progress = cls(
            replayed=replayed,
            conversations=conversations,
            suites_run=suites_run,
            suites=suites,
        )

        gate_progress.additional_properties = d
        return gate_progress

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
