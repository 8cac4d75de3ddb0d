from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RollbackRequest")


@_attrs_define
class RollbackRequest:
    """
    Attributes:
        to (int | None | Unset): an earlier release; omitted: stop the rollout
        by (str | Unset): who does it (an agent id or e-mail), recorded Default: 'api'.
    """

    to: int | None | Unset = UNSET
    by: str | Unset = "api"

    def to_dict(self) -> dict[str, Any]:
        to: int | None | Unset
        if isinstance(self.to, Unset):
            to = UNSET
        else:
            to = self.to

        by = self.by

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if to is not UNSET:
            field_dict["to"] = to
        if by is not UNSET:
            field_dict["by"] = by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_to(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        to = _parse_to(d.pop("to", UNSET))

        by = d.pop("by", UNSET)

        rollback_request = cls(
            to=to,
            by=by,
        )

        return rollback_request
