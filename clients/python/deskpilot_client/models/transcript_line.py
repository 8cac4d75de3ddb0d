from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TranscriptLine")


@_attrs_define
class TranscriptLine:
    """
    Attributes:
        position (int):
        event_id (str):
        role (str):
        text (str):
        at (datetime.datetime):
    """

    position: int
    event_id: str
    role: str
    text: str
    at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        position = self.position

        event_id = self.event_id

        role = self.role

        text = self.text

        at = self.at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "position": position,
                "event_id": event_id,
                "role": role,
                "text": text,
                "at": at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        position = d.pop("position")

        event_id = d.pop("event_id")

        role = d.pop("role")

        text = d.pop("text")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        transcript_line = cls(
            position=position,
            event_id=event_id,
            role=role,
            text=text,
            at=at,
        )

        transcript_line.additional_properties = d
        return transcript_line

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
