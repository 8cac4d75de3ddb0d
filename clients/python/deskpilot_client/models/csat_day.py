from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CsatDay")


@_attrs_define
class CsatDay:
    """
    Attributes:
        day (datetime.date):
        ratings (int):
        average (None | str): mean score of the day's ratings, to two decimals
        satisfied (int): ratings of 4 or 5
    """

    day: datetime.date
    ratings: int
    average: None | str
    satisfied: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        day = self.day.isoformat()

        ratings = self.ratings

        average: None | str
        average = self.average

        satisfied = self.satisfied

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "day": day,
                "ratings": ratings,
                "average": average,
                "satisfied": satisfied,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        day = datetime.date.fromisoformat(d.pop("day"))

        ratings = d.pop("ratings")

        def _parse_average(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        average = _parse_average(d.pop("average"))

        satisfied = d.pop("satisfied")

        csat_day = cls(
            day=day,
            ratings=ratings,
            average=average,
            satisfied=satisfied,
        )

        csat_day.additional_properties = d
        return csat_day

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
