from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ReleaseAction")


@_attrs_define
class ReleaseAction:
    """
    Attributes:
        action (str): publish | rollout | promote | rollback
        release (int | None):
        share (None | str):
        by (str):
        at (datetime.datetime):
    """

    action: str
    release: int | None
    share: None | str
    by: str
    at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        release: int | None
        release = self.release

        share: None | str
        share = self.share

        by = self.by

        at = self.at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "release": release,
                "share": share,
                "by": by,
                "at": at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        action = d.pop("action")

        def _parse_release(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        release = _parse_release(d.pop("release"))

        def _parse_share(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        share = _parse_share(d.pop("share"))

        by = d.pop("by")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        release_action = cls(
            action=action,
            release=release,
            share=share,
            by=by,
            at=at,
        )

        release_action.additional_properties = d
        return release_action

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
