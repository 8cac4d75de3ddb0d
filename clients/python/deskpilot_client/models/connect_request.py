from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.connect_request_params import ConnectRequestParams


T = TypeVar("T", bound="ConnectRequest")


@_attrs_define
class ConnectRequest:
    """
    Attributes:
        params (ConnectRequestParams | Unset): values for the manifest's URL placeholders
        user_id (None | str | Unset): the admin connecting, for the record
        api_key (None | str | Unset): for api_key integrations: the key, stored encrypted
    """

    params: ConnectRequestParams | Unset = UNSET
    user_id: None | str | Unset = UNSET
    api_key: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        api_key: None | str | Unset
        if isinstance(self.api_key, Unset):
            api_key = UNSET
        else:
            api_key = self.api_key

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if params is not UNSET:
            field_dict["params"] = params
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if api_key is not UNSET:
            field_dict["api_key"] = api_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.connect_request_params import ConnectRequestParams  # noqa: PLC0415

        d = dict(src_dict)
        _params = d.pop("params", UNSET)
        params: ConnectRequestParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = ConnectRequestParams.from_dict(_params)

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        def _parse_api_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        api_key = _parse_api_key(d.pop("api_key", UNSET))

        connect_request = cls(
            params=params,
            user_id=user_id,
            api_key=api_key,
        )

        return connect_request
