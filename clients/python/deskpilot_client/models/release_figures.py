from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ReleaseFigures")


@_attrs_define
class ReleaseFigures:
    """
    Attributes:
        conversations (int):
        cost_usd (str): A decimal number as a string (exact; money is in US dollars).
        cost_per_conversation_usd (str): A decimal number as a string (exact; money is in US dollars).
        resolved_pct (float): % of its conversations resolved (by the AI or a person)
        ai_resolved_pct (float): % resolved by the AI alone
        handoff_pct (float): % handed to a person
        csat (float | None): mean customer rating (1-5) of its rated conversations
        rated (int):
    """

    conversations: int
    cost_usd: str
    cost_per_conversation_usd: str
    resolved_pct: float
    ai_resolved_pct: float
    handoff_pct: float
    csat: float | None
    rated: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversations = self.conversations

        cost_usd = self.cost_usd

        cost_per_conversation_usd = self.cost_per_conversation_usd

        resolved_pct = self.resolved_pct

        ai_resolved_pct = self.ai_resolved_pct

        handoff_pct = self.handoff_pct

        csat: float | None
        csat = self.csat

        rated = self.rated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversations": conversations,
                "cost_usd": cost_usd,
                "cost_per_conversation_usd": cost_per_conversation_usd,
                "resolved_pct": resolved_pct,
                "ai_resolved_pct": ai_resolved_pct,
                "handoff_pct": handoff_pct,
                "csat": csat,
                "rated": rated,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        conversations = d.pop("conversations")

        cost_usd = d.pop("cost_usd")

        cost_per_conversation_usd = d.pop("cost_per_conversation_usd")

        resolved_pct = d.pop("resolved_pct")

        ai_resolved_pct = d.pop("ai_resolved_pct")

        handoff_pct = d.pop("handoff_pct")

        def _parse_csat(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        csat = _parse_csat(d.pop("csat"))

        rated = d.pop("rated")

        release_figures = cls(
            conversations=conversations,
            cost_usd=cost_usd,
            cost_per_conversation_usd=cost_per_conversation_usd,
            resolved_pct=resolved_pct,
            ai_resolved_pct=ai_resolved_pct,
            handoff_pct=handoff_pct,
            csat=csat,
            rated=rated,
        )

        release_figures.additional_properties = d
        return release_figures

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
