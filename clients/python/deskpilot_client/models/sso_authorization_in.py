from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SsoAuthorizationIn")


@_attrs_define
class SsoAuthorizationIn:
    """Start a single sign-on for the tenant; ``redirect_uri`` is where the issuer sends the browser back (as
    registered at the issuer).

        Attributes:
            tenant_id (str):
            redirect_uri (str):
    """

    tenant_id: str
    redirect_uri: str

    def to_dict(self) -> dict[str, Any]:
        tenant_id = self.tenant_id

        redirect_uri = self.redirect_uri

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tenant_id": tenant_id,
                "redirect_uri": redirect_uri,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tenant_id = d.pop("tenant_id")

        redirect_uri = d.pop("redirect_uri")

        sso_authorization_in = cls(
            tenant_id=tenant_id,
            redirect_uri=redirect_uri,
        )

        return sso_authorization_in
