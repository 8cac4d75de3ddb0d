from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="MonthlyUsage")


@_attrs_define
class MonthlyUsage:
    """
    Attributes:
        month (str):
        plan (str):
        active_conversations (int):
        soft_limit (int | None):
        hard_limit (int | None):
        ai_resolutions (int):
        human_handled (int):
        deflection_rate (None | str):
    """

    month: str
    plan: str
    active_conversations: int
    soft_limit: int | None
    hard_limit: int | None
    ai_resolutions: int
    human_handled: int
    deflection_rate: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        month = self.month

        plan = self.plan

        active_conversations = self.active_conversations

        soft_limit: int | None
        soft_limit = self.soft_limit

        hard_limit: int | None
        hard_limit = self.hard_limit

        ai_resolutions = self.ai_resolutions

        human_handled = self.human_handled

        deflection_rate: None | str
        deflection_rate = self.deflection_rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "month": month,
                "plan": plan,
                "active_conversations": active_conversations,
                "soft_limit": soft_limit,
                "hard_limit": hard_limit,
                "ai_resolutions": ai_resolutions,
                "human_handled": human_handled,
                "deflection_rate": deflection_rate,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        month = d.pop("month")

        plan = d.pop("plan")

        active_conversations = d.pop("active_conversations")

        def _parse_soft_limit(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        soft_limit = _parse_soft_limit(d.pop("soft_limit"))

        def _parse_hard_limit(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        hard_limit = _parse_hard_limit(d.pop("hard_limit"))

        ai_resolutions = d.pop("ai_resolutions")

        human_handled = d.pop("human_handled")

        def _parse_deflection_rate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        deflection_rate = _parse_deflection_rate(d.pop("deflection_rate"))

        monthly_usage = cls(
            month=month,
            plan=plan,
            active_conversations=active_conversations,
            soft_limit=soft_limit,
            hard_limit=hard_limit,
            ai_resolutions=ai_resolutions,
            human_handled=human_handled,
            deflection_rate=deflection_rate,
        )

        monthly_usage.additional_properties = d
        return monthly_usage

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
