from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="GateRequest")


@_attrs_define
class GateRequest:
    """Run the gate on the draft without publishing.

    Attributes:
        suites (list[str] | Unset): simulation suites (YAML or JSON text) the draft runs
    """

    suites: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        suites: list[str] | Unset = UNSET
        if not isinstance(self.suites, Unset):
            suites = self.suites

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if suites is not UNSET:
            field_dict["suites"] = suites

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        suites = cast(list[str], d.pop("suites", UNSET))

        gate_request = cls(
            suites=suites,
        )

        return gate_request
