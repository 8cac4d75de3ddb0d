from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="NewWidgetKey")


@_attrs_define
class NewWidgetKey:
    """A public web chat key. ``allowed_origins``: the sites that may embed the widget, e.g.
    ``https://shop.example.com`` (scheme, host, optional port), or ``*`` for any.

        Attributes:
            allowed_origins (list[str]):
    """

    allowed_origins: list[str]

    def to_dict(self) -> dict[str, Any]:
        allowed_origins = self.allowed_origins

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "allowed_origins": allowed_origins,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        allowed_origins = cast(list[str], d.pop("allowed_origins"))

        new_widget_key = cls(
            allowed_origins=allowed_origins,
        )

        return new_widget_key
