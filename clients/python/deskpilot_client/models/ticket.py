from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.csat import Csat
    from ..models.sla import Sla


T = TypeVar("T", bound="Ticket")


@_attrs_define
class Ticket:
    """
    Attributes:
        ticket_id (str):
        conversation_id (str):
        source (str):
        subject (str):
        summary (str):
        priority (str):
        status (str):
        assignee (None | str):
        team (None | str):
        tags (list[str]):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        sla (Sla):
        csat (Csat | None):
    """

    ticket_id: str
    conversation_id: str
    source: str
    subject: str
    summary: str
    priority: str
    status: str
    assignee: None | str
    team: None | str
    tags: list[str]
    created_at: datetime.datetime
    updated_at: datetime.datetime
    sla: Sla
    csat: Csat | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.csat import Csat  # noqa: PLC0415

        ticket_id = self.ticket_id

        conversation_id = self.conversation_id

        source = self.source

        subject = self.subject

        summary = self.summary

        priority = self.priority

        status = self.status

        assignee: None | str
        assignee = self.assignee

        team: None | str
        team = self.team

        tags = self.tags

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        sla = self.sla.to_dict()

        csat: dict[str, Any] | None
        if isinstance(self.csat, Csat):
            csat = self.csat.to_dict()
        else:
            csat = self.csat

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ticket_id": ticket_id,
                "conversation_id": conversation_id,
                "source": source,
                "subject": subject,
                "summary": summary,
                "priority": priority,
                "status": status,
                "assignee": assignee,
                "team": team,
                "tags": tags,
                "created_at": created_at,
                "updated_at": updated_at,
                "sla": sla,
                "csat": csat,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.csat import Csat  # noqa: PLC0415
        from ..models.sla import Sla  # noqa: PLC0415

        d = dict(src_dict)
        ticket_id = d.pop("ticket_id")

        conversation_id = d.pop("conversation_id")

        source = d.pop("source")

        subject = d.pop("subject")

        summary = d.pop("summary")

        priority = d.pop("priority")

        status = d.pop("status")

        def _parse_assignee(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        assignee = _parse_assignee(d.pop("assignee"))

        def _parse_team(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        team = _parse_team(d.pop("team"))

        tags = cast(list[str], d.pop("tags"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        sla = Sla.from_dict(d.pop("sla"))

        def _parse_csat(data: object) -> Csat | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                csat_type_0 = Csat.from_dict(data)

                return csat_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Csat | None, data)

        csat = _parse_csat(d.pop("csat"))

        ticket = cls(
            ticket_id=ticket_id,
            conversation_id=conversation_id,
            source=source,
            subject=subject,
            summary=summary,
            priority=priority,
            status=status,
            assignee=assignee,
            team=team,
            tags=tags,
            created_at=created_at,
            updated_at=updated_at,
            sla=sla,
            csat=csat,
        )

        ticket.additional_properties = d
        return ticket

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
