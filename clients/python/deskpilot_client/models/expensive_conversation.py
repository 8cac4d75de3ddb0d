from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.cost_driver import CostDriver


T = TypeVar("T", bound="ExpensiveConversation")


@_attrs_define
class ExpensiveConversation:
    """
    Attributes:
        conversation_id (str):
        cost_usd (str): A decimal number as a string (exact; money is in US dollars).
        llm_calls (int):
        tool_calls (int):
        drivers (list[CostDriver]): what the cost is made of, most expensive first
    """

    conversation_id: str
    cost_usd: str
    llm_calls: int
    tool_calls: int
    drivers: list[CostDriver]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation_id = self.conversation_id

        cost_usd = self.cost_usd

        llm_calls = self.llm_calls

        tool_calls = self.tool_calls

        drivers = []
        for drivers_item_data in self.drivers:
            drivers_item = drivers_item_data.to_dict()
            drivers.append(drivers_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation_id": conversation_id,
                "cost_usd": cost_usd,
                "llm_calls": llm_calls,
                "tool_calls": tool_calls,
                "drivers": drivers,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cost_driver import CostDriver  # noqa: PLC0415

        d = dict(src_dict)
        conversation_id = d.pop("conversation_id")

        cost_usd = d.pop("cost_usd")

        llm_calls = d.pop("llm_calls")

        tool_calls = d.pop("tool_calls")

        drivers = []
        _drivers = d.pop("drivers")
        for drivers_item_data in _drivers:
            drivers_item = CostDriver.from_dict(drivers_item_data)

            drivers.append(drivers_item)

        expensive_conversation = cls(
            conversation_id=conversation_id,
            cost_usd=cost_usd,
            llm_calls=llm_calls,
            tool_calls=tool_calls,
            drivers=drivers,
        )

        expensive_conversation.additional_properties = d
        return expensive_conversation

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
