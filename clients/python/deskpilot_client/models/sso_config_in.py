from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.sso_config_in_default_role_type_0 import SsoConfigInDefaultRoleType0
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.sso_config_in_role_values import SsoConfigInRoleValues


T = TypeVar("T", bound="SsoConfigIn")


@_attrs_define
class SsoConfigIn:
    """The tenant's OpenID Connect identity provider. ``issuer`` is its URL (discovery is read from
    ``<issuer>/.well-known/openid-configuration``); register ``<web>/web/sso/callback`` as its redirect URI.
    ``role_values`` maps values of the ``role_claim`` claim (a string or a list, e.g. groups) to roles; the highest
    wins; none mapped gives ``default_role``, or no sign-in when that is null. ``client_secret`` is stored sealed
    and never shown again; leave it out to keep the stored one.

        Attributes:
            issuer (str):
            client_id (str):
            client_secret (None | str | Unset):
            role_claim (str | Unset):  Default: 'groups'.
            role_values (SsoConfigInRoleValues | Unset):
            default_role (None | SsoConfigInDefaultRoleType0 | Unset):
    """

    issuer: str
    client_id: str
    client_secret: None | str | Unset = UNSET
    role_claim: str | Unset = "groups"
    role_values: SsoConfigInRoleValues | Unset = UNSET
    default_role: None | SsoConfigInDefaultRoleType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        issuer = self.issuer

        client_id = self.client_id

        client_secret: None | str | Unset
        if isinstance(self.client_secret, Unset):
            client_secret = UNSET
        else:
            client_secret = self.client_secret

        role_claim = self.role_claim

        role_values: dict[str, Any] | Unset = UNSET
        if not isinstance(self.role_values, Unset):
            role_values = self.role_values.to_dict()

        default_role: None | str | Unset
        if isinstance(self.default_role, Unset):
            default_role = UNSET
        elif isinstance(self.default_role, SsoConfigInDefaultRoleType0):
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
        from ..models.sso_config_in_role_values import SsoConfigInRoleValues  # noqa: PLC0415

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
        role_values: SsoConfigInRoleValues | Unset
        if isinstance(_role_values, Unset):
            role_values = UNSET
        else:
            role_values = SsoConfigInRoleValues.from_dict(_role_values)

        def _parse_default_role(data: object) -> None | SsoConfigInDefaultRoleType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                default_role_type_0 = SsoConfigInDefaultRoleType0(data)

                return default_role_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SsoConfigInDefaultRoleType0 | Unset, data)

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
