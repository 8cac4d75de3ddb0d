from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.conversation_diff import ConversationDiff
    from ..models.progress import Progress
    from ..models.replay_summary import ReplaySummary
    from ..models.replay_view_candidate import ReplayViewCandidate


T = TypeVar("T", bound="ReplayView")


@_attrs_define
class ReplayView:
    """
    Attributes:
        id (str):
        status (str): queued | running | done | failed
        candidate (ReplayViewCandidate):
        progress (Progress):
        summary (ReplaySummary):
        conversations (list[ConversationDiff]):
        error (None | str):
        created_at (datetime.datetime):
        finished_at (datetime.datetime | None):
    """

    id: str
    status: str
    candidate: ReplayViewCandidate
    progress: Progress
    summary: ReplaySummary
    conversations: list[ConversationDiff]
    error: None | str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status

        candidate = self.candidate.to_dict()

        progress = self.progress.to_dict()

        summary = self.summary.to_dict()

        conversations = []
        for conversations_item_data in self.conversations:
            conversations_item = conversations_item_data.to_dict()
            conversations.append(conversations_item)

        error: None | str
        error = self.error

        created_at = self.created_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "candidate": candidate,
                "progress": progress,
                "summary": summary,
                "conversations": conversations,
                "error": error,
                "created_at": created_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.conversation_diff import ConversationDiff  # noqa: PLC0415
        from ..models.progress import Progress  # noqa: PLC0415
        from ..models.replay_summary import ReplaySummary  # noqa: PLC0415
        from ..models.replay_view_candidate import ReplayViewCandidate  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        status = d.pop("status")

        candidate = ReplayViewCandidate.from_dict(d.pop("candidate"))

        progress = Progress.from_dict(d.pop("progress"))

        summary = ReplaySummary.from_dict(d.pop("summary"))

        conversations = []
        _conversations = d.pop("conversations")
        for conversations_item_data in _conversations:
            conversations_item = ConversationDiff.from_dict(conversations_item_data)

            conversations.append(conversations_item)

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        replay_view = cls(
            id=id,
            status=status,
            candidate=candidate,
            progress=progress,
            summary=summary,
            conversations=conversations,
            error=error,
            created_at=created_at,
            finished_at=finished_at,
        )

        replay_view.additional_properties = d
        return replay_view

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
