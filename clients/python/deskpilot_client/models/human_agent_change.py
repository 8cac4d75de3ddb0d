from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.human_agent_change_availability import HumanAgentChangeAvailability
from ..models.human_agent_change_role import HumanAgentChangeRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="HumanAgentChange")


@_attrs_define
class HumanAgentChange:
    """Admins may change any field; an agent may change only its own ``availability``.

    Attributes:
        availability (HumanAgentChangeAvailability | Unset):
        role (HumanAgentChangeRole | Unset):
        team (str | Unset):
        active (bool | Unset):
    """

    availability: HumanAgentChangeAvailability | Unset = UNSET
    role: HumanAgentChangeRole | Unset = UNSET
    team: str | Unset = UNSET
    active: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        availability: str | Unset = UNSET
        if not isinstance(self.availability, Unset):
            availability = self.availability.value

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        team = self.team

        active = self.active

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if availability is not UNSET:
            field_dict["availability"] = availability
        if role is not UNSET:
            field_dict["role"] = role
        if team is not UNSET:
            field_dict["team"] = team
        if active is not UNSET:
            field_dict["active"] = active

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _availability = d.pop("availability", UNSET)
        availability: HumanAgentChangeAvailability | Unset
        if isinstance(_availability, Unset):
            availability = UNSET
        else:
            availability = HumanAgentChangeAvailability(_availability)

        _role = d.pop("role", UNSET)
        role: HumanAgentChangeRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = HumanAgentChangeRole(_role)

        team = d.pop("team", UNSET)

        active = d.pop("active", UNSET)

        human_agent_change = cls(
            availability=availability,
            role=role,
            team=team,
            active=active,
        )

        return human_agent_change
