from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeflectionDay")


@_attrs_define
class DeflectionDay:
    """
    Attributes:
        day (datetime.date):
        ai_resolutions (int):
        human_handled (int):
        deflection_rate (None | str): AI resolutions / (AI resolutions + human-handled)
    """

    day: datetime.date
    ai_resolutions: int
    human_handled: int
    deflection_rate: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        day = self.day.isoformat()

        ai_resolutions = self.ai_resolutions

        human_handled = self.human_handled

        deflection_rate: None | str
        deflection_rate = self.deflection_rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "day": day,
                "ai_resolutions": ai_resolutions,
                "human_handled": human_handled,
                "deflection_rate": deflection_rate,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        day = datetime.date.fromisoformat(d.pop("day"))

        ai_resolutions = d.pop("ai_resolutions")

        human_handled = d.pop("human_handled")

        def _parse_deflection_rate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        deflection_rate = _parse_deflection_rate(d.pop("deflection_rate"))

        deflection_day = cls(
            day=day,
            ai_resolutions=ai_resolutions,
            human_handled=human_handled,
            deflection_rate=deflection_rate,
        )

        deflection_day.additional_properties = d
        return deflection_day

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
