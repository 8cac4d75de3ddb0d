from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RedriveRequest")


@_attrs_define
class RedriveRequest:
    """Which letters to re-drive: every one not re-driven yet, or only one consumer's.

    Attributes:
        consumer (None | str | Unset): Only this consumer's letters.
    """

    consumer: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        consumer: None | str | Unset
        if isinstance(self.consumer, Unset):
            consumer = UNSET
        else:
            consumer = self.consumer

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if consumer is not UNSET:
            field_dict["consumer"] = consumer

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_consumer(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        consumer = _parse_consumer(d.pop("consumer", UNSET))

        redrive_request = cls(
            consumer=consumer,
        )

        return redrive_request
