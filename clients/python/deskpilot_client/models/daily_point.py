from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DailyPoint")


@_attrs_define
class DailyPoint:
    """
    Attributes:
        day (datetime.date):
        conversations (int): conversations whose first customer message came that day
        resolved (int): of those, how many are resolved now (by the AI or a human)
        resolution_rate (None | str): resolved / conversations
        ai_resolutions (int): conversations the AI resolved that day with no human involved
        human_handled (int): conversations a human took up (or resolved) that day
        deflection_rate (None | str): AI resolutions / (AI resolutions + human-handled)
        cost_usd (str): A decimal number as a string (exact; money is in US dollars).
    """

    day: datetime.date
    conversations: int
    resolved: int
    resolution_rate: None | str
    ai_resolutions: int
    human_handled: int
    deflection_rate: None | str
    cost_usd: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        day = self.day.isoformat()

        conversations = self.conversations

        resolved = self.resolved

        resolution_rate: None | str
        resolution_rate = self.resolution_rate

        ai_resolutions = self.ai_resolutions

        human_handled = self.human_handled

        deflection_rate: None | str
        deflection_rate = self.deflection_rate

        cost_usd = self.cost_usd

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "day": day,
                "conversations": conversations,
                "resolved": resolved,
                "resolution_rate": resolution_rate,
                "ai_resolutions": ai_resolutions,
                "human_handled": human_handled,
                "deflection_rate": deflection_rate,
                "cost_usd": cost_usd,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        day = datetime.date.fromisoformat(d.pop("day"))

        conversations = d.pop("conversations")

        resolved = d.pop("resolved")

        def _parse_resolution_rate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        resolution_rate = _parse_resolution_rate(d.pop("resolution_rate"))

        ai_resolutions = d.pop("ai_resolutions")

        human_handled = d.pop("human_handled")

        def _parse_deflection_rate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        deflection_rate = _parse_deflection_rate(d.pop("deflection_rate"))

        cost_usd = d.pop("cost_usd")

        daily_point = cls(
            day=day,
            conversations=conversations,
            resolved=resolved,
            resolution_rate=resolution_rate,
            ai_resolutions=ai_resolutions,
            human_handled=human_handled,
            deflection_rate=deflection_rate,
            cost_usd=cost_usd,
        )

        daily_point.additional_properties = d
        return daily_point

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
