from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="StartConversation")


@_attrs_define
class StartConversation:
    """Open a conversation. Both fields are optional.

    Attributes:
        channel (str | Unset):  Default: 'api'.
        customer_id (None | str | Unset):
    """

    channel: str | Unset = "api"
    customer_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel

        customer_id: None | str | Unset
        if isinstance(self.customer_id, Unset):
            customer_id = UNSET
        else:
            customer_id = self.customer_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if channel is not UNSET:
            field_dict["channel"] = channel
        if customer_id is not UNSET:
            field_dict["customer_id"] = customer_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = d.pop("channel", UNSET)

        def _parse_customer_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        customer_id = _parse_customer_id(d.pop("customer_id", UNSET))

        start_conversation = cls(
            channel=channel,
            customer_id=customer_id,
        )

        return start_conversation
