from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.release_action import ReleaseAction


T = TypeVar("T", bound="RolloutView")


@_attrs_define
class RolloutView:
    """
    Attributes:
        stable (int):
        rollout (int | None): the release taking a share of new conversations, if any
        share (str):
        updated_at (datetime.datetime):
        history (list[ReleaseAction]): every change of what serves new conversations, newest first
    """

    stable: int
    rollout: int | None
    share: str
    updated_at: datetime.datetime
    history: list[ReleaseAction]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        stable = self.stable

        rollout: int | None
        rollout = self.rollout

        share = self.share

        updated_at = self.updated_at.isoformat()

        history = []
        for history_item_data in self.history:
            history_item = history_item_data.to_dict()
            history.append(history_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "stable": stable,
                "rollout": rollout,
                "share": share,
                "updated_at": updated_at,
                "history": history,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.release_action import ReleaseAction  # noqa: PLC0415

        d = dict(src_dict)
        stable = d.pop("stable")

        def _parse_rollout(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        rollout = _parse_rollout(d.pop("rollout"))

        share = d.pop("share")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        history = []
        _history = d.pop("history")
        for history_item_data in _history:
            history_item = ReleaseAction.from_dict(history_item_data)

            history.append(history_item)

        rollout_view = cls(
            stable=stable,
            rollout=rollout,
            share=share,
            updated_at=updated_at,
            history=history,
        )

        rollout_view.additional_properties = d
        return rollout_view

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
