from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.new_human_agent_role import NewHumanAgentRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="NewHumanAgent")


@_attrs_define
class NewHumanAgent:
    """
    Attributes:
        name (str):
        email (None | str | Unset):
        role (NewHumanAgentRole | Unset):  Default: NewHumanAgentRole.AGENT.
        team (None | str | Unset):
    """

    name: str
    email: None | str | Unset = UNSET
    role: NewHumanAgentRole | Unset = NewHumanAgentRole.AGENT
    team: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        team: None | str | Unset
        if isinstance(self.team, Unset):
            team = UNSET
        else:
            team = self.team

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if email is not UNSET:
            field_dict["email"] = email
        if role is not UNSET:
            field_dict["role"] = role
        if team is not UNSET:
            field_dict["team"] = team

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        _role = d.pop("role", UNSET)
        role: NewHumanAgentRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = NewHumanAgentRole(_role)

        def _parse_team(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        team = _parse_team(d.pop("team", UNSET))

        new_human_agent = cls(
            name=name,
            email=email,
            role=role,
            team=team,
        )

        return new_human_agent
