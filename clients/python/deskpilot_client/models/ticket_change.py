from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.ticket_change_priority import TicketChangePriority
from ..types import UNSET, Unset

T = TypeVar("T", bound="TicketChange")


@_attrs_define
class TicketChange:
    """Fields to change; omitted ones stay.

    Attributes:
        priority (TicketChangePriority | Unset):
        team (None | str | Unset):
        tags (list[str] | Unset):
    """

    priority: TicketChangePriority | Unset = UNSET
    team: None | str | Unset = UNSET
    tags: list[str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        priority: str | Unset = UNSET
        if not isinstance(self.priority, Unset):
            priority = self.priority.value

        team: None | str | Unset
        if isinstance(self.team, Unset):
            team = UNSET
        else:
            team = self.team

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if priority is not UNSET:
            field_dict["priority"] = priority
        if team is not UNSET:
            field_dict["team"] = team
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _priority = d.pop("priority", UNSET)
        priority: TicketChangePriority | Unset
        if isinstance(_priority, Unset):
            priority = UNSET
        else:
            priority = TicketChangePriority(_priority)

        def _parse_team(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        team = _parse_team(d.pop("team", UNSET))

        tags = cast(list[str], d.pop("tags", UNSET))

        ticket_change = cls(
            priority=priority,
            team=team,
            tags=tags,
        )

        return ticket_change
