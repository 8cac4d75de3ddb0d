from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.csat_day import CsatDay
    from ..models.rating import Rating


T = TypeVar("T", bound="CsatReport")


@_attrs_define
class CsatReport:
    """
    Attributes:
        start (datetime.date):
        end (datetime.date):
        ratings (int):
        average (None | str):
        days (list[CsatDay]):
        items (list[Rating]):
    """

    start: datetime.date
    end: datetime.date
    ratings: int
    average: None | str
    days: list[CsatDay]
    items: list[Rating]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start = self.start.isoformat()

        end = self.end.isoformat()

        ratings = self.ratings

        average: None | str
        average = self.average

        days = []
        for days_item_data in self.days:
            days_item = days_item_data.to_dict()
            days.append(days_item)

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "start": start,
                "end": end,
                "ratings": ratings,
                "average": average,
                "days": days,
                "items": items,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.csat_day import CsatDay  # noqa: PLC0415
        from ..models.rating import Rating  # noqa: PLC0415

        d = dict(src_dict)
        start = datetime.date.fromisoformat(d.pop("start"))

        end = datetime.date.fromisoformat(d.pop("end"))

        ratings = d.pop("ratings")

        def _parse_average(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        average = _parse_average(d.pop("average"))

        days = []
        _days = d.pop("days")
        for days_item_data in _days:
            days_item = CsatDay.from_dict(days_item_data)

            days.append(days_item)

        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = Rating.from_dict(items_item_data)

            items.append(items_item)

        csat_report = cls(
            start=start,
            end=end,
            ratings=ratings,
            average=average,
            days=days,
            items=items,
        )

        csat_report.additional_properties = d
        return csat_report

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
