from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DeadLetterDetail")


@_attrs_define
class DeadLetterDetail:
    """
    Attributes:
        id (int): Its sequence in the dead-letter stream: what `redrive` takes.
        consumer (str): The durable consumer that parked it, `<service>-<name>`.
        reason (str):
        original_subject (str):
        position (int): The event's position in the log.
        deliveries (int):
        event_type (str):
        event_id (str):
        tenant_id (str):
        conversation_id (None | str):
        body (str):
        redriven (bool | Unset): Applied by a redrive already (a listing shows only others). Default: False.
    """

    id: int
    consumer: str
    reason: str
    original_subject: str
    position: int
    deliveries: int
    event_type: str
    event_id: str
    tenant_id: str
    conversation_id: None | str
    body: str
    redriven: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        consumer = self.consumer

        reason = self.reason

        original_subject = self.original_subject

        position = self.position

        deliveries = self.deliveries

        event_type = self.event_type

        event_id = self.event_id

        tenant_id = self.tenant_id

        conversation_id: None | str
        conversation_id = self.conversation_id

        body = self.body

        redriven = self.redriven

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "consumer": consumer,
                "reason": reason,
                "original_subject": original_subject,
                "position": position,
                "deliveries": deliveries,
                "event_type": event_type,
                "event_id": event_id,
                "tenant_id": tenant_id,
                "conversation_id": conversation_id,
                "body": body,
            }
        )
        if redriven is not UNSET:
            field_dict["redriven"] = redriven

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        consumer = d.pop("consumer")

        reason = d.pop("reason")

        original_subject = d.pop("original_subject")

        position = d.pop("position")

        deliveries = d.pop("deliveries")

        event_type = d.pop("event_type")

        event_id = d.pop("event_id")

        tenant_id = d.pop("tenant_id")

        def _parse_conversation_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        conversation_id = _parse_conversation_id(d.pop("conversation_id"))

        body = d.pop("body")

        redriven = d.pop("redriven", UNSET)

        dead_letter_detail = cls(
            id=id,
            consumer=consumer,
            reason=reason,
            original_subject=original_subject,
            position=position,
            deliveries=deliveries,
            event_type=event_type,
            event_id=event_id,
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            body=body,
            redriven=redriven,
        )

        dead_letter_detail.additional_properties = d
        return dead_letter_detail

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
