from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PostMessage")


@_attrs_define
class PostMessage:
    """A customer message.

    Attributes:
        text (str):
        client_message_id (None | str | Unset): The channel's own id of this message: a retry with the same id is the
            same message (the first one's answer, appended once), however long after.
    """

    text: str
    client_message_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        client_message_id: None | str | Unset
        if isinstance(self.client_message_id, Unset):
            client_message_id = UNSET
        else:
            client_message_id = self.client_message_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "text": text,
            }
        )
        if client_message_id is not UNSET:
            field_dict["client_message_id"] = client_message_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        text = d.pop("text")

        def _parse_client_message_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_message_id = _parse_client_message_id(d.pop("client_message_id", UNSET))

        post_message = cls(
            text=text,
            client_message_id=client_message_id,
        )

        return post_message
