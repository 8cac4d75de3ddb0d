from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.conversation_filter_resolved_by_type_0 import ConversationFilterResolvedByType0
from ..models.conversation_filter_status import ConversationFilterStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="ConversationFilter")


@_attrs_define
class ConversationFilter:
    """Which recorded conversations to replay: the newest ``last`` of them (by when they started or resolved).

    Attributes:
        last (int | Unset):  Default: 50.
        status (ConversationFilterStatus | Unset): 'resolved': conversations resolved (newest resolution first); 'any':
            all Default: ConversationFilterStatus.RESOLVED.
        resolved_by (ConversationFilterResolvedByType0 | None | Unset): only resolutions by ai or human
    """

    last: int | Unset = 50
    status: ConversationFilterStatus | Unset = ConversationFilterStatus.RESOLVED
    resolved_by: ConversationFilterResolvedByType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        last = self.last

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        resolved_by: None | str | Unset
        if isinstance(self.resolved_by, Unset):
            resolved_by = UNSET
        elif isinstance(self.resolved_by, ConversationFilterResolvedByType0):
            resolved_by = self.resolved_by.value
        else:
            resolved_by = self.resolved_by

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if last is not UNSET:
            field_dict["last"] = last
        if status is not UNSET:
            field_dict["status"] = status
        if resolved_by is not UNSET:
            field_dict["resolved_by"] = resolved_by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        last = d.pop("last", UNSET)

        _status = d.pop("status", UNSET)
        status: ConversationFilterStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = ConversationFilterStatus(_status)

        def _parse_resolved_by(data: object) -> ConversationFilterResolvedByType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_by_type_0 = ConversationFilterResolvedByType0(data)

                return resolved_by_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConversationFilterResolvedByType0 | None | Unset, data)

        resolved_by = _parse_resolved_by(d.pop("resolved_by", UNSET))

        conversation_filter = cls(
            last=last,
            status=status,
            resolved_by=resolved_by,
        )

        return conversation_filter
