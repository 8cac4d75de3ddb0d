from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.human_agent_change_availability_type_0 import HumanAgentChangeAvailabilityType0
from ..models.human_agent_change_role_type_0 import HumanAgentChangeRoleType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="HumanAgentChange")


@_attrs_define
class HumanAgentChange:
    """Admins may change any field; an agent may change only its own ``availability``.

    Attributes:
        availability (HumanAgentChangeAvailabilityType0 | None | Unset):
        role (HumanAgentChangeRoleType0 | None | Unset):
        team (None | str | Unset):
        active (bool | None | Unset):
    """

    availability: HumanAgentChangeAvailabilityType0 | None | Unset = UNSET
    role: HumanAgentChangeRoleType0 | None | Unset = UNSET
    team: None | str | Unset = UNSET
    active: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        availability: None | str | Unset
        if isinstance(self.availability, Unset):
            availability = UNSET
        elif isinstance(self.availability, HumanAgentChangeAvailabilityType0):
            availability = self.availability.value
        else:
            availability = self.availability

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, HumanAgentChangeRoleType0):
            role = self.role.value
        else:
            role = self.role

        team: None | str | Unset
        if isinstance(self.team, Unset):
            team = UNSET
        else:
            team = self.team

        active: bool | None | Unset
        if isinstance(self.active, Unset):
            active = UNSET
        else:
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

        def _parse_availability(data: object) -> HumanAgentChangeAvailabilityType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                availability_type_0 = HumanAgentChangeAvailabilityType0(data)

                return availability_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HumanAgentChangeAvailabilityType0 | None | Unset, data)

        availability = _parse_availability(d.pop("availability", UNSET))

        def _parse_role(data: object) -> HumanAgentChangeRoleType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_0 = HumanAgentChangeRoleType0(data)

                return role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HumanAgentChangeRoleType0 | None | Unset, data)

        role = _parse_role(d.pop("role", UNSET))

        def _parse_team(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        team = _parse_team(d.pop("team", UNSET))

        def _parse_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        active = _parse_active(d.pop("active", UNSET))

        human_agent_change = cls(
            availability=availability,
            role=role,
            team=team,
            active=active,
        )

        return human_agent_change
