from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.zendesk_connect_params import ZendeskConnectParams


T = TypeVar("T", bound="ZendeskConnect")


@_attrs_define
class ZendeskConnect:
    """Start connecting Zendesk through OAuth.

    Attributes:
        params (ZendeskConnectParams):
        user_id (None | str | Unset): the admin connecting, for the record
    """

    params: ZendeskConnectParams
    user_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        params = self.params.to_dict()

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "params": params,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.zendesk_connect_params import ZendeskConnectParams  # noqa: PLC0415

        d = dict(src_dict)
        params = ZendeskConnectParams.from_dict(d.pop("params"))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        zendesk_connect = cls(
            params=params,
            user_id=user_id,
        )

        return zendesk_connect
