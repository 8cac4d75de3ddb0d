from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ExternalTicket")


@_attrs_define
class ExternalTicket:
    """
    Attributes:
        provider (str):
        external_id (str):
        conversation_id (None | str): the conversation whose AI opened it, if any
        subject (None | str):
        status (None | str):
        priority (None | str):
        external_updated_at (datetime.datetime | None): time of the newest change applied
        synced_at (datetime.datetime):
    """

    provider: str
    external_id: str
    conversation_id: None | str
    subject: None | str
    status: None | str
    priority: None | str
    external_updated_at: datetime.datetime | None
    synced_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        external_id = self.external_id

        conversation_id: None | str
        conversation_id = self.conversation_id

        subject: None | str
        subject = self.subject

        status: None | str
        status = self.status

        priority: None | str
        priority = self.priority

        external_updated_at: None | str
        if isinstance(self.external_updated_at, datetime.datetime):
            external_updated_at = self.external_updated_at.isoformat()
        else:
            external_updated_at = self.external_updated_at

        synced_at = self.synced_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider": provider,
                "external_id": external_id,
                "conversation_id": conversation_id,
                "subject": subject,
                "status": status,
                "priority": priority,
                "external_updated_at": external_updated_at,
                "synced_at": synced_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = d.pop("provider")

        external_id = d.pop("external_id")

        def _parse_conversation_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        conversation_id = _parse_conversation_id(d.pop("conversation_id"))

        def _parse_subject(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        subject = _parse_subject(d.pop("subject"))

        def _parse_status(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        status = _parse_status(d.pop("status"))

        def _parse_priority(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        priority = _parse_priority(d.pop("priority"))

        def _parse_external_updated_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                external_updated_at_type_0 = datetime.datetime.fromisoformat(data)

                return external_updated_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        external_updated_at = _parse_external_updated_at(d.pop("external_updated_at"))

        synced_at = datetime.datetime.fromisoformat(d.pop("synced_at"))

        external_ticket = cls(
            provider=provider,
            external_id=external_id,
            conversation_id=conversation_id,
            subject=subject,
            status=status,
            priority=priority,
            external_updated_at=external_updated_at,
            synced_at=synced_at,
        )

        external_ticket.additional_properties = d
        return external_ticket

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
