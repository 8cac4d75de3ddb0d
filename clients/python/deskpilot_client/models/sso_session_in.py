from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SsoSessionIn")


@_attrs_define
class SsoSessionIn:
    """Finish a single sign-on: the ``state`` and ``code`` the issuer sent the browser back with.

    Attributes:
        tenant_id (str):
        state (str):
        code (str):
    """

    tenant_id: str
    state: str
    code: str

    def to_dict(self) -> dict[str, Any]:
        tenant_id = self.tenant_id

        state = self.state

        code = self.code

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tenant_id": tenant_id,
                "state": state,
                "code": code,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tenant_id = d.pop("tenant_id")

        state = d.pop("state")

        code = d.pop("code")

        sso_session_in = cls(
            tenant_id=tenant_id,
            state=state,
            code=code,
        )

        return sso_session_in
