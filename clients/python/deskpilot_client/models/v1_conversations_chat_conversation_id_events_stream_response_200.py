from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="V1ConversationsChatConversationIdEventsStreamResponse200")


@_attrs_define
class V1ConversationsChatConversationIdEventsStreamResponse200:
    """One event of the stream: `event` names it, `data` is its JSON text.

    Attributes:
        event (str | Unset):
        data (str | Unset):
        id (str | Unset):
    """

    event: str | Unset = UNSET
    data: str | Unset = UNSET
    id: str | Unset = UNSET
    additional_properties: dict[str, str] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event = self.event

        data = self.data

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if event is not UNSET:
            field_dict["event"] = event
        if data is not UNSET:
            field_dict["data"] = data
        if id is not UNSET:
            field_dict["id"] = id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event = d.pop("event", UNSET)

        data = d.pop("data", UNSET)

        id = d.pop("id", UNSET)

        v1_conversations_chat_conversation_id_events_stream_response_200 = cls(
            event=event,
            data=data,
            id=id,
        )

        v1_conversations_chat_conversation_id_events_stream_response_200.additional_properties = d
        return v1_conversations_chat_conversation_id_events_stream_response_200

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> str:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
