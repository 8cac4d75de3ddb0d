from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.api_key_params import ApiKeyParams


T = TypeVar("T", bound="StripeConnect")


@_attrs_define
class StripeConnect:
    """Connect Stripe with an API key, stored encrypted and never returned.

    Attributes:
        api_key (str): a Stripe restricted key (rk_live_…) or secret key (sk_live_…)
        params (ApiKeyParams | Unset):
        user_id (None | str | Unset): the admin connecting, for the record
    """

    api_key: str
    params: ApiKeyParams | Unset = UNSET
    user_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        api_key = self.api_key

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "api_key": api_key,
            }
        )
        if params is not UNSET:
            field_dict["params"] = params
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.api_key_params import ApiKeyParams  # noqa: PLC0415

        d = dict(src_dict)
        api_key = d.pop("api_key")

        _params = d.pop("params", UNSET)
        params: ApiKeyParams | Unset
        if isinstance(_params, Unset):
            params = UNSET
        else:
            params = ApiKeyParams.from_dict(_params)

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        stripe_connect = cls(
            api_key=api_key,
            params=params,
            user_id=user_id,
        )

        return stripe_connect
