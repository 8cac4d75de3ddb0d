from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ConversationFacts")


@_attrs_define
class ConversationFacts:
    """
    Attributes:
        conversation_id (str):
        cost_usd (str): A decimal number as a string (exact; money is in US dollars).
        llm_calls (int):
        tool_calls (int):
        first_message_at (datetime.datetime | None):
        human_involved_at (datetime.datetime | None):
        resolved_by (None | str):
        resolved_at (datetime.datetime | None):
        ai_resolution (bool):
    """

    conversation_id: str
    cost_usd: str
    llm_calls: int
    tool_calls: int
    first_message_at: datetime.datetime | None
    human_involved_at: datetime.datetime | None
    resolved_by: None | str
    resolved_at: datetime.datetime | None
    ai_resolution: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation_id = self.conversation_id

        cost_usd = self.cost_usd

        llm_calls = self.llm_calls

        tool_calls = self.tool_calls

        first_message_at: None | str
        if isinstance(self.first_message_at, datetime.datetime):
            first_message_at = self.first_message_at.isoformat()
        else:
            first_message_at = self.first_message_at

        human_involved_at: None | str
        if isinstance(self.human_involved_at, datetime.datetime):
            human_involved_at = self.human_involved_at.isoformat()
        else:
            human_involved_at = self.human_involved_at

        resolved_by: None | str
        resolved_by = self.resolved_by

        resolved_at: None | str
        if isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        ai_resolution = self.ai_resolution

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation_id": conversation_id,
                "cost_usd": cost_usd,
                "llm_calls": llm_calls,
                "tool_calls": tool_calls,
                "first_message_at": first_message_at,
                "human_involved_at": human_involved_at,
                "resolved_by": resolved_by,
                "resolved_at": resolved_at,
                "ai_resolution": ai_resolution,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        conversation_id = d.pop("conversation_id")

        cost_usd = d.pop("cost_usd")

        llm_calls = d.pop("llm_calls")

        tool_calls = d.pop("tool_calls")

        def _parse_first_message_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                first_message_at_type_0 = datetime.datetime.fromisoformat(data)

                return first_message_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        first_message_at = _parse_first_message_at(d.pop("first_message_at"))

        def _parse_human_involved_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                human_involved_at_type_0 = datetime.datetime.fromisoformat(data)

                return human_involved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        human_involved_at = _parse_human_involved_at(d.pop("human_involved_at"))

        def _parse_resolved_by(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        resolved_by = _parse_resolved_by(d.pop("resolved_by"))

        def _parse_resolved_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        resolved_at = _parse_resolved_at(d.pop("resolved_at"))

        ai_resolution = d.pop("ai_resolution")

        conversation_facts = cls(
            conversation_id=conversation_id,
            cost_usd=cost_usd,
            llm_calls=llm_calls,
            tool_calls=tool_calls,
            first_message_at=first_message_at,
            human_involved_at=human_involved_at,
            resolved_by=resolved_by,
            resolved_at=resolved_at,
            ai_resolution=ai_resolution,
        )

        conversation_facts.additional_properties = d
        return conversation_facts

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
