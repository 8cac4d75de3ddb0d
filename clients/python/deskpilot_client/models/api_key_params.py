from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApiKeyParams")


@_attrs_define
class ApiKeyParams:
    """
    Attributes:
        api_base_url (None | str | Unset): where the provider's API is, instead of the manifest's (a sandbox); https to
            a host name unless the operator allows private destinations (else 403)
    """

    api_base_url: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        api_base_url: None | str | Unset
        if isinstance(self.api_base_url, Unset):
            api_base_url = UNSET
        else:
            api_base_url = self.api_base_url

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if api_base_url is not UNSET:
            field_dict["api_base_url"] = api_base_url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_api_base_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        api_base_url = _parse_api_base_url(d.pop("api_base_url", UNSET))

        api_key_params = cls(
            api_base_url=api_base_url,
        )

        return api_key_params
