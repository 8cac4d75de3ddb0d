from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.ledger_line import LedgerLine


T = TypeVar("T", bound="ConversationCost")


@_attrs_define
class ConversationCost:
    """
    Attributes:
        conversation_id (str):
        total_usd (str): A decimal number as a string (exact; money is in US dollars).
        llm_calls (int):
        tool_calls (int):
        entries (list[LedgerLine]):
    """

    conversation_id: str
    total_usd: str
    llm_calls: int
    tool_calls: int
    entries: list[LedgerLine]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation_id = self.conversation_id

        total_usd = self.total_usd

        llm_calls = self.llm_calls

        tool_calls = self.tool_calls

        entries = []
        for entries_item_data in self.entries:
            entries_item = entries_item_data.to_dict()
            entries.append(entries_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation_id": conversation_id,
                "total_usd": total_usd,
                "llm_calls": llm_calls,
                "tool_calls": tool_calls,
                "entries": entries,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.ledger_line import LedgerLine  # noqa: PLC0415

        d = dict(src_dict)
        conversation_id = d.pop("conversation_id")

        total_usd = d.pop("total_usd")

        llm_calls = d.pop("llm_calls")

        tool_calls = d.pop("tool_calls")

        entries = []
        _entries = d.pop("entries")
        for entries_item_data in _entries:
            entries_item = LedgerLine.from_dict(entries_item_data)

            entries.append(entries_item)

        conversation_cost = cls(
            conversation_id=conversation_id,
            total_usd=total_usd,
            llm_calls=llm_calls,
            tool_calls=tool_calls,
            entries=entries,
        )

        conversation_cost.additional_properties = d
        return conversation_cost

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
