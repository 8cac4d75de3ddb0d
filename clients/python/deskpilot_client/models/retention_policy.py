from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

T = TypeVar("T", bound="RetentionPolicy")


@_attrs_define
class RetentionPolicy:
    """How long this tenant's conversations are kept: ``days`` after their last activity they are erased as an
    erasure request erases them (keys destroyed, every service redacts); ``null`` keeps them until erased.

        Attributes:
            days (int | None): days after the last activity; null: no limit
    """

    days: int | None

    def to_dict(self) -> dict[str, Any]:
        days: int | None
        days = self.days

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "days": days,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_days(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        days = _parse_days(d.pop("days"))

        retention_policy = cls(
            days=days,
        )

        return retention_policy
