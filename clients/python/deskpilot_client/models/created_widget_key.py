from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CreatedWidgetKey")


@_attrs_define
class CreatedWidgetKey:
    """
    Attributes:
        key_id (str):
        widget_key (str): public (embedded in web pages); only its SHA-256 digest is stored
        key_prefix (str): the key's first characters, as the key list shows them
        allowed_origins (list[str]):
        created_at (datetime.datetime):
    """

    key_id: str
    widget_key: str
    key_prefix: str
    allowed_origins: list[str]
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        key_id = self.key_id

        widget_key = self.widget_key

        key_prefix = self.key_prefix

        allowed_origins = self.allowed_origins

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "key_id": key_id,
                "widget_key": widget_key,
                "key_prefix": key_prefix,
                "allowed_origins": allowed_origins,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        key_id = d.pop("key_id")

        widget_key = d.pop("widget_key")

        key_prefix = d.pop("key_prefix")

        allowed_origins = cast(list[str], d.pop("allowed_origins"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        created_widget_key = cls(
            key_id=key_id,
            widget_key=widget_key,
            key_prefix=key_prefix,
            allowed_origins=allowed_origins,
            created_at=created_at,
        )

        created_widget_key.additional_properties = d
        return created_widget_key

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
