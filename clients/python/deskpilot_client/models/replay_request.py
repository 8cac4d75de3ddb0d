from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.conversation_filter import ConversationFilter
    from ..models.replay_request_candidate import ReplayRequestCandidate


T = TypeVar("T", bound="ReplayRequest")


@_attrs_define
class ReplayRequest:
    """Replay recorded conversations against a candidate: ``conversations`` (ids), or a ``filter`` such as the last
    200 resolved ones. ``candidate``: see docs/replay.md (an empty object replays the tenant's own setup).

        Attributes:
            conversations (list[str] | None | Unset):
            filter_ (ConversationFilter | None | Unset):
            candidate (ReplayRequestCandidate | Unset):
    """

    conversations: list[str] | None | Unset = UNSET
    filter_: ConversationFilter | None | Unset = UNSET
    candidate: ReplayRequestCandidate | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.conversation_filter import ConversationFilter  # noqa: PLC0415

        conversations: list[str] | None | Unset
        if isinstance(self.conversations, Unset):
            conversations = UNSET
        elif isinstance(self.conversations, list):
            conversations = self.conversations

        else:
            conversations = self.conversations

        filter_: dict[str, Any] | None | Unset
        if isinstance(self.filter_, Unset):
            filter_ = UNSET
        elif isinstance(self.filter_, ConversationFilter):
            filter_ = self.filter_.to_dict()
        else:
            filter_ = self.filter_

        candidate: dict[str, Any] | Unset = UNSET
        if not isinstance(self.candidate, Unset):
            candidate = self.candidate.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if conversations is not UNSET:
            field_dict["conversations"] = conversations
        if filter_ is not UNSET:
            field_dict["filter"] = filter_
        if candidate is not UNSET:
            field_dict["candidate"] = candidate

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.conversation_filter import ConversationFilter  # noqa: PLC0415
        from ..models.replay_request_candidate import ReplayRequestCandidate  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_conversations(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                conversations_type_0 = cast(list[str], data)

                return conversations_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        conversations = _parse_conversations(d.pop("conversations", UNSET))

        def _parse_filter_(data: object) -> ConversationFilter | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                filter_type_0 = ConversationFilter.from_dict(data)

                return filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConversationFilter | None | Unset, data)

        filter_ = _parse_filter_(d.pop("filter", UNSET))

        _candidate = d.pop("candidate", UNSET)
        candidate: ReplayRequestCandidate | Unset
        if isinstance(_candidate, Unset):
            candidate = UNSET
        else:
            candidate = ReplayRequestCandidate.from_dict(_candidate)

        replay_request = cls(
            conversations=conversations,
            filter_=filter_,
            candidate=candidate,
        )

        return replay_request
