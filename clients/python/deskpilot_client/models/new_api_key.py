from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.new_api_key_role import NewApiKeyRole
from ..types import UNSET, Unset

T = TypeVar("T", bound="NewApiKey")


@_attrs_define
class NewApiKey:
    """An API key that acts as the tenant: ``admin`` (everything but keys and owners) or ``owner``.

    Attributes:
        name (str):
        role (NewApiKeyRole | Unset):  Default: NewApiKeyRole.ADMIN.
    """

    name: str
    role: NewApiKeyRole | Unset = NewApiKeyRole.ADMIN

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        _role = d.pop("role", UNSET)
        role: NewApiKeyRole | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = NewApiKeyRole(_role)

        new_api_key = cls(
            name=name,
            role=role,
        )

        return new_api_key
