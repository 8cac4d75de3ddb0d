from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.transcript_line import TranscriptLine


T = TypeVar("T", bound="ConversationView")


@_attrs_define
class ConversationView:
    """
    Attributes:
        id (str):
        status (str):
        channel (str):
        customer_id (None | str):
        version (int):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        transcript (list[TranscriptLine]):
    """

    id: str
    status: str
    channel: str
    customer_id: None | str
    version: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    transcript: list[TranscriptLine]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status

        channel = self.channel

        customer_id: None | str
        customer_id = self.customer_id

        version = self.version

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        transcript = []
        for transcript_item_data in self.transcript:
            transcript_item = transcript_item_data.to_dict()
            transcript.append(transcript_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "channel": channel,
                "customer_id": customer_id,
                "version": version,
                "created_at": created_at,
                "updated_at": updated_at,
                "transcript": transcript,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transcript_line import TranscriptLine  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        status = d.pop("status")

        channel = d.pop("channel")

        def _parse_customer_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        customer_id = _parse_customer_id(d.pop("customer_id"))

        version = d.pop("version")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        transcript = []
        _transcript = d.pop("transcript")
        for transcript_item_data in _transcript:
            transcript_item = TranscriptLine.from_dict(transcript_item_data)

            transcript.append(transcript_item)

        conversation_view = cls(
            id=id,
            status=status,
            channel=channel,
            customer_id=customer_id,
            version=version,
            created_at=created_at,
            updated_at=updated_at,
            transcript=transcript,
        )

        conversation_view.additional_properties = d
        return conversation_view

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
