from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.transcript_line import TranscriptLine


T = TypeVar("T", bound="ReplayResult")


@_attrs_define
class ReplayResult:
    """
    Attributes:
        conversation_id (str):
        events (int):
        version (int):
        matches (bool):
        stored_entries (int):
        differences (list[str]):
        transcript (list[TranscriptLine]):
    """

    conversation_id: str
    events: int
    version: int
    matches: bool
    stored_entries: int
    differences: list[str]
    transcript: list[TranscriptLine]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation_id = self.conversation_id

        events = self.events

        version = self.version

        matches = self.matches

        stored_entries = self.stored_entries

        differences = self.differences

        transcript = []
        for transcript_item_data in self.transcript:
            transcript_item = transcript_item_data.to_dict()
            transcript.append(transcript_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation_id": conversation_id,
                "events": events,
                "version": version,
                "matches": matches,
                "stored_entries": stored_entries,
                "differences": differences,
                "transcript": transcript,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transcript_line import TranscriptLine  # noqa: PLC0415

        d = dict(src_dict)
        conversation_id = d.pop("conversation_id")

        events = d.pop("events")

        version = d.pop("version")

        matches = d.pop("matches")

        stored_entries = d.pop("stored_entries")

        differences = cast(list[str], d.pop("differences"))

        transcript = []
        _transcript = d.pop("transcript")
        for transcript_item_data in _transcript:
            transcript_item = TranscriptLine.from_dict(transcript_item_data)

            transcript.append(transcript_item)

        replay_result = cls(
            conversation_id=conversation_id,
            events=events,
            version=version,
            matches=matches,
            stored_entries=stored_entries,
            differences=differences,
            transcript=transcript,
        )

        replay_result.additional_properties = d
        return replay_result

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
