from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CreatedHumanAgent")


@_attrs_define
class CreatedHumanAgent:
    """
    Attributes:
        agent_id (str):
        name (str):
        email (None | str):
        role (str):
        team (None | str):
        availability (str):
        active (bool):
        api_key_prefix (str):
        created_at (datetime.datetime):
        api_key (str): shown once; only its SHA-256 digest is stored
    """

    agent_id: str
    name: str
    email: None | str
    role: str
    team: None | str
    availability: str
    active: bool
    api_key_prefix: str
    created_at: datetime.datetime
    api_key: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        agent_id = self.agent_id

        name = self.name

        email: None | str
        email = self.email

        role = self.role

        team: None | str
        team = self.team

        availability = self.availability

        active = self.active

        api_key_prefix = self.api_key_prefix

        created_at = self.created_at.isoformat()

        api_key = self.api_key

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "agent_id": agent_id,
                "name": name,
                "email": email,
                "role": role,
                "team": team,
                "availability": availability,
                "active": active,
                "api_key_prefix": api_key_prefix,
                "created_at": created_at,
                "api_key": api_key,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        agent_id = d.pop("agent_id")

        name = d.pop("name")

        def _parse_email(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        email = _parse_email(d.pop("email"))

        role = d.pop("role")

        def _parse_team(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        team = _parse_team(d.pop("team"))

        availability = d.pop("availability")

        active = d.pop("active")

        api_key_prefix = d.pop("api_key_prefix")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        api_key = d.pop("api_key")

        created_human_agent = cls(
            agent_id=agent_id,
            name=name,
            email=email,
            role=role,
            team=team,
            availability=availability,
            active=active,
            api_key_prefix=api_key_prefix,
            created_at=created_at,
            api_key=api_key,
        )

        created_human_agent.additional_properties = d
        return created_human_agent

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
