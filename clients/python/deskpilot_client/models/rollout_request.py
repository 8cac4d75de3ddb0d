from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RolloutRequest")


@_attrs_define
class RolloutRequest:
    """
    Attributes:
        share (float): % of new conversations, 0-100 (to hundredths: 12.345 is 12.34)
        by (str | Unset): who does it (an agent id or e-mail), recorded Default: 'api'.
    """

    share: float
    by: str | Unset = "api"

    def to_dict(self) -> dict[str, Any]:
        share = self.share

        by = self.by

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "share": share,
            }
        )
        if by is not UNSET:
            field_dict["by"] = by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        share = d.pop("share")

        by = d.pop("by", UNSET)

        rollout_request = cls(
            share=share,
            by=by,
        )

        return rollout_request
