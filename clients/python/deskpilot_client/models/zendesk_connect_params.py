from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ZendeskConnectParams")


@_attrs_define
class ZendeskConnectParams:
    """
    Attributes:
        subdomain (str): fills {subdomain} in Zendesk's URLs
    """

    subdomain: str

    def to_dict(self) -> dict[str, Any]:
        subdomain = self.subdomain

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "subdomain": subdomain,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        subdomain = d.pop("subdomain")

        zendesk_connect_params = cls(
            subdomain=subdomain,
        )

        return zendesk_connect_params
