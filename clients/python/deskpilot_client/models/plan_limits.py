from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PlanLimits")


@_attrs_define
class PlanLimits:
    """
    Attributes:
        name (str):
        monthly_fee_usd (str): A decimal number as a string (exact; money is in US dollars).
        included_conversations (int | None):
        overage_per_conversation_usd (str): A decimal number as a string (exact; money is in US dollars).
        per_ai_resolution_usd (str): A decimal number as a string (exact; money is in US dollars).
        soft_limit (int | None):
        hard_limit (int | None):
    """

    name: str
    monthly_fee_usd: str
    included_conversations: int | None
    overage_per_conversation_usd: str
    per_ai_resolution_usd: str
    soft_limit: int | None
    hard_limit: int | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        monthly_fee_usd = self.monthly_fee_usd

        included_conversations: int | None
        included_conversations = self.included_conversations

        overage_per_conversation_usd = self.overage_per_conversation_usd

        per_ai_resolution_usd = self.per_ai_resolution_usd

        soft_limit: int | None
        soft_limit = self.soft_limit

        hard_limit: int | None
        hard_limit = self.hard_limit

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "monthly_fee_usd": monthly_fee_usd,
                "included_conversations": included_conversations,
                "overage_per_conversation_usd": overage_per_conversation_usd,
                "per_ai_resolution_usd": per_ai_resolution_usd,
                "soft_limit": soft_limit,
                "hard_limit": hard_limit,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        monthly_fee_usd = d.pop("monthly_fee_usd")

        def _parse_included_conversations(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        included_conversations = _parse_included_conversations(d.pop("included_conversations"))

        overage_per_conversation_usd = d.pop("overage_per_conversation_usd")

        per_ai_resolution_usd = d.pop("per_ai_resolution_usd")

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

        plan_limits = cls(
            name=name,
            monthly_fee_usd=monthly_fee_usd,
            included_conversations=included_conversations,
            overage_per_conversation_usd=overage_per_conversation_usd,
            per_ai_resolution_usd=per_ai_resolution_usd,
            soft_limit=soft_limit,
            hard_limit=hard_limit,
        )

        plan_limits.additional_properties = d
        return plan_limits

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
