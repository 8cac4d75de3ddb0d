from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.gate_report import GateReport
    from ..models.release_view import ReleaseView


T = TypeVar("T", bound="Published")


@_attrs_define
class Published:
    """
    Attributes:
        release (ReleaseView):
        gate (GateReport):
    """

    release: ReleaseView
    gate: GateReport
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        release = self.release.to_dict()

        gate = self.gate.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "release": release,
                "gate": gate,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.gate_report import GateReport  # noqa: PLC0415
        from ..models.release_view import ReleaseView  # noqa: PLC0415

        d = dict(src_dict)
        release = ReleaseView.from_dict(d.pop("release"))

        gate = GateReport.from_dict(d.pop("gate"))

        published = cls(
            release=release,
            gate=gate,
        )

        published.additional_properties = d
        return published

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
