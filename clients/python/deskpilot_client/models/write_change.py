from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.tool_change import ToolChange


T = TypeVar("T", bound="WriteChange")


@_attrs_define
class WriteChange:
    """
    Attributes:
        conversation_id (str):
        message_index (int | None):
        customer_text (str):
        changes (list[ToolChange]):
    """

    conversation_id: str
    message_index: int | None
    customer_text: str
    changes: list[ToolChange]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation_id = self.conversation_id

        message_index: int | None
        message_index = self.message_index

        customer_text = self.customer_text

        changes = []
        for changes_item_data in self.changes:
            changes_item = changes_item_data.to_dict()
            changes.append(changes_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation_id": conversation_id,
                "message_index": message_index,
                "customer_text": customer_text,
                "changes": changes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_change import ToolChange  # noqa: PLC0415

        d = dict(src_dict)
        conversation_id = d.pop("conversation_id")

        def _parse_message_index(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        message_index = _parse_message_index(d.pop("message_index"))

        customer_text = d.pop("customer_text")

        changes = []
        _changes = d.pop("changes")
        for changes_item_data in _changes:
            changes_item = ToolChange.from_dict(changes_item_data)

            changes.append(changes_item)

        write_change = cls(
            conversation_id=conversation_id,
            message_index=message_index,
            customer_text=customer_text,
            changes=changes,
        )

        write_change.additional_properties = d
        return write_change

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
