from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.human_agent_change_availability_type_1 import HumanAgentChangeAvailabilityType1
from ..models.human_agent_change_availability_type_2_type_1 import HumanAgentChangeAvailabilityType2Type1
from ..models.human_agent_change_availability_type_3_type_1 import HumanAgentChangeAvailabilityType3Type1
from ..models.human_agent_change_role_type_1 import HumanAgentChangeRoleType1
from ..models.human_agent_change_role_type_2_type_1 import HumanAgentChangeRoleType2Type1
from ..models.human_agent_change_role_type_3_type_1 import HumanAgentChangeRoleType3Type1
from ..types import UNSET, Unset

T = TypeVar("T", bound="HumanAgentChange")


@_attrs_define
class HumanAgentChange:
    """
    Attributes:
        availability (HumanAgentChangeAvailabilityType1 | HumanAgentChangeAvailabilityType2Type1 |
            HumanAgentChangeAvailabilityType3Type1 | None | Unset):
        role (HumanAgentChangeRoleType1 | HumanAgentChangeRoleType2Type1 | HumanAgentChangeRoleType3Type1 | None |
            Unset):
        team (None | str | Unset):
        active (bool | None | Unset):
    """

    availability: (
        HumanAgentChangeAvailabilityType1
        | HumanAgentChangeAvailabilityType2Type1
        | HumanAgentChangeAvailabilityType3Type1
        | None
        | Unset
    ) = UNSET
    role: HumanAgentChangeRoleType1 | HumanAgentChangeRoleType2Type1 | HumanAgentChangeRoleType3Type1 | None | Unset = (
        UNSET
    )
    team: None | str | Unset = UNSET
    active: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        availability: None | str | Unset
        if isinstance(self.availability, Unset):
            availability = UNSET
        elif isinstance(self.availability, HumanAgentChangeAvailabilityType1):
            availability = self.availability.value
        elif isinstance(self.availability, HumanAgentChangeAvailabilityType2Type1):
            availability = self.availability.value
        elif isinstance(self.availability, HumanAgentChangeAvailabilityType3Type1):
            availability = self.availability.value
        else:
            availability = self.availability

        role: None | str | Unset
        if isinstance(self.role, Unset):
            role = UNSET
        elif isinstance(self.role, HumanAgentChangeRoleType1):
            role = self.role.value
        elif isinstance(self.role, HumanAgentChangeRoleType2Type1):
            role = self.role.value
        elif isinstance(self.role, HumanAgentChangeRoleType3Type1):
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

        def _parse_availability(
            data: object,
        ) -> (
            HumanAgentChangeAvailabilityType1
            | HumanAgentChangeAvailabilityType2Type1
            | HumanAgentChangeAvailabilityType3Type1
            | None
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                availability_type_1 = HumanAgentChangeAvailabilityType1(data)

                return availability_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                availability_type_2_type_1 = HumanAgentChangeAvailabilityType2Type1(data)

                return availability_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                availability_type_3_type_1 = HumanAgentChangeAvailabilityType3Type1(data)

                return availability_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                HumanAgentChangeAvailabilityType1
                | HumanAgentChangeAvailabilityType2Type1
                | HumanAgentChangeAvailabilityType3Type1
                | None
                | Unset,
                data,
            )

        availability = _parse_availability(d.pop("availability", UNSET))

        def _parse_role(
            data: object,
        ) -> HumanAgentChangeRoleType1 | HumanAgentChangeRoleType2Type1 | HumanAgentChangeRoleType3Type1 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_1 = HumanAgentChangeRoleType1(data)

                return role_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_2_type_1 = HumanAgentChangeRoleType2Type1(data)

                return role_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                role_type_3_type_1 = HumanAgentChangeRoleType3Type1(data)

                return role_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                HumanAgentChangeRoleType1
                | HumanAgentChangeRoleType2Type1
                | HumanAgentChangeRoleType3Type1
                | None
                | Unset,
                data,
            )

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
