from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.sso_config_in_default_role_type_1 import SsoConfigInDefaultRoleType1
from ..models.sso_config_in_default_role_type_2_type_1 import SsoConfigInDefaultRoleType2Type1
from ..models.sso_config_in_default_role_type_3_type_1 import SsoConfigInDefaultRoleType3Type1
from ..models.sso_config_in_role_values_item_type_1 import SsoConfigInRoleValuesItemType1
from ..types import UNSET, Unset

T = TypeVar("T", bound="SsoConfigIn")


@_attrs_define
class SsoConfigIn:
    """
    Attributes:
        issuer (str):
        client_id (str):
        client_secret (None | str | Unset):
        role_claim (str | Unset):  Default: 'groups'.
        role_values (list[SsoConfigInRoleValuesItemType1 | str] | Unset):
        default_role (None | SsoConfigInDefaultRoleType1 | SsoConfigInDefaultRoleType2Type1 |
            SsoConfigInDefaultRoleType3Type1 | Unset):
    """

    issuer: str
    client_id: str
    client_secret: None | str | Unset = UNSET
    role_claim: str | Unset = "groups"
    role_values: list[SsoConfigInRoleValuesItemType1 | str] | Unset = UNSET
    default_role: (
        None | SsoConfigInDefaultRoleType1 | SsoConfigInDefaultRoleType2Type1 | SsoConfigInDefaultRoleType3Type1 | Unset
    ) = UNSET

    def to_dict(self) -> dict[str, Any]:
        issuer = self.issuer

        client_id = self.client_id

        client_secret: None | str | Unset
        if isinstance(self.client_secret, Unset):
            client_secret = UNSET
        else:
            client_secret = self.client_secret

        role_claim = self.role_claim

        role_values: list[str] | Unset = UNSET
        if not isinstance(self.role_values, Unset):
            role_values = []
            for role_values_item_data in self.role_values:
                role_values_item: str
                if isinstance(role_values_item_data, SsoConfigInRoleValuesItemType1):
                    role_values_item = role_values_item_data.value
                else:
                    role_values_item = role_values_item_data
                role_values.append(role_values_item)

        default_role: None | str | Unset
        if isinstance(self.default_role, Unset):
            default_role = UNSET
        elif isinstance(self.default_role, SsoConfigInDefaultRoleType1):
            default_role = self.default_role.value
        elif isinstance(self.default_role, SsoConfigInDefaultRoleType2Type1):
            default_role = self.default_role.value
        elif isinstance(self.default_role, SsoConfigInDefaultRoleType3Type1):
            default_role = self.default_role.value
        else:
            default_role = self.default_role

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "issuer": issuer,
                "client_id": client_id,
            }
        )
        if client_secret is not UNSET:
            field_dict["client_secret"] = client_secret
        if role_claim is not UNSET:
            field_dict["role_claim"] = role_claim
        if role_values is not UNSET:
            field_dict["role_values"] = role_values
        if default_role is not UNSET:
            field_dict["default_role"] = default_role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        issuer = d.pop("issuer")

        client_id = d.pop("client_id")

        def _parse_client_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_secret = _parse_client_secret(d.pop("client_secret", UNSET))

        role_claim = d.pop("role_claim", UNSET)

        _role_values = d.pop("role_values", UNSET)
        role_values: list[SsoConfigInRoleValuesItemType1 | str] | Unset = UNSET
        if _role_values is not UNSET:
            role_values = []
            for role_values_item_data in _role_values:

                def _parse_role_values_item(data: object) -> SsoConfigInRoleValuesItemType1 | str:
                    try:
                        if not isinstance(data, str):
                            raise TypeError()
                        role_values_item_type_1 = SsoConfigInRoleValuesItemType1(data)

                        return role_values_item_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(SsoConfigInRoleValuesItemType1 | str, data)

                role_values_item = _parse_role_values_item(role_values_item_data)

                role_values.append(role_values_item)

        def _parse_default_role(
            data: object,
        ) -> (
            None
            | SsoConfigInDefaultRoleType1
            | SsoConfigInDefaultRoleType2Type1
            | SsoConfigInDefaultRoleType3Type1
            | Unset
        ):
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                default_role_type_1 = SsoConfigInDefaultRoleType1(data)

                return default_role_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                default_role_type_2_type_1 = SsoConfigInDefaultRoleType2Type1(data)

                return default_role_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                default_role_type_3_type_1 = SsoConfigInDefaultRoleType3Type1(data)

                return default_role_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(
                None
                | SsoConfigInDefaultRoleType1
                | SsoConfigInDefaultRoleType2Type1
                | SsoConfigInDefaultRoleType3Type1
                | Unset,
                data,
            )

        default_role = _parse_default_role(d.pop("default_role", UNSET))

        sso_config_in = cls(
            issuer=issuer,
            client_id=client_id,
            client_secret=client_secret,
            role_claim=role_claim,
            role_values=role_values,
            default_role=default_role,
        )

        return sso_config_in
