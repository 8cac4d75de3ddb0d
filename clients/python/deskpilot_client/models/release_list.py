from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.release_summary import ReleaseSummary
    from ..models.rollout_view import RolloutView


T = TypeVar("T", bound="ReleaseList")


@_attrs_define
class ReleaseList:
    """
    Attributes:
        items (list[ReleaseSummary]):
        rollout (None | RolloutView):
    """

    items: list[ReleaseSummary]
    rollout: None | RolloutView
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.rollout_view import RolloutView  # noqa: PLC0415

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        rollout: dict[str, Any] | None
        if isinstance(self.rollout, RolloutView):
            rollout = self.rollout.to_dict()
        else:
            rollout = self.rollout

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
                "rollout": rollout,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.release_summary import ReleaseSummary  # noqa: PLC0415
        from ..models.rollout_view import RolloutView  # noqa: PLC0415

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = ReleaseSummary.from_dict(items_item_data)

            items.append(items_item)

        def _parse_rollout(data: object) -> None | RolloutView:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rollout_type_0 = RolloutView.from_dict(data)

                return rollout_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RolloutView, data)

        rollout = _parse_rollout(d.pop("rollout"))

        release_list = cls(
            items=items,
            rollout=rollout,
        )

        release_list.additional_properties = d
        return release_list

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
