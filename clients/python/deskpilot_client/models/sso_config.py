from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.sso_config_role_values import SsoConfigRoleValues


T = TypeVar("T", bound="SsoConfig")


@_attrs_define
class SsoConfig:
    """
    Attributes:
        issuer (str):
        client_id (str):
        client_secret_set (bool): a client secret is stored (sealed); it is never shown
        role_claim (str):
        role_values (SsoConfigRoleValues):
        default_role (None | str):
        updated_at (datetime.datetime):
        issuer_problem (None | str): why the issuer's discovery document could not be read when this was saved: sign-ins
            fail (502) until it answers; save again once it does. null: it answered
    """

    issuer: str
    client_id: str
    client_secret_set: bool
    role_claim: str
    role_values: SsoConfigRoleValues
    default_role: None | str
    updated_at: datetime.datetime
    issuer_problem: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        issuer = self.issuer

        client_id = self.client_id

        client_secret_set = self.client_secret_set

        role_claim = self.role_claim

        role_values = self.role_values.to_dict()

        default_role: None | str
        default_role = self.default_role

        updated_at = self.updated_at.isoformat()

        issuer_problem: None | str
        issuer_problem = self.issuer_problem

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "issuer": issuer,
                "client_id": client_id,
                "client_secret_set": client_secret_set,
                "role_claim": role_claim,
                "role_values": role_values,
                "default_role": default_role,
                "updated_at": updated_at,
                "issuer_problem": issuer_problem,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.sso_config_role_values import SsoConfigRoleValues  # noqa: PLC0415

        d = dict(src_dict)
        issuer = d.pop("issuer")

        client_id = d.pop("client_id")

        client_secret_set = d.pop("client_secret_set")

        role_claim = d.pop("role_claim")

        role_values = SsoConfigRoleValues.from_dict(d.pop("role_values"))

        def _parse_default_role(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        default_role = _parse_default_role(d.pop("default_role"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_issuer_problem(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        issuer_problem = _parse_issuer_problem(d.pop("issuer_problem"))

        sso_config = cls(
            issuer=issuer,
            client_id=client_id,
            client_secret_set=client_secret_set,
            role_claim=role_claim,
            role_values=role_values,
            default_role=default_role,
            updated_at=updated_at,
            issuer_problem=issuer_problem,
        )

        sso_config.additional_properties = d
        return sso_config

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
