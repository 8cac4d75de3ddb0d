from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="GatePolicy")


@_attrs_define
class GatePolicy:
    """What blocks a publish (``GET/PUT /v1/agent/releases/gate-policy``).

    Attributes:
        replay_last (int | Unset): resolved conversations replayed (0: none) Default: 50.
        block_on_failed_suite (bool | Unset): a suite with a failed task blocks Default: True.
        max_write_difference_pct (float | None | Unset): block when more than this % of the replayed conversations would
            take another write action (a refund more, less or different); none: the difference is shown, never blocks
    """

    replay_last: int | Unset = 50
    block_on_failed_suite: bool | Unset = True
    max_write_difference_pct: float | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        replay_last = self.replay_last

        block_on_failed_suite = self.block_on_failed_suite

        max_write_difference_pct: float | None | Unset
        if isinstance(self.max_write_difference_pct, Unset):
            max_write_difference_pct = UNSET
        else:
            max_write_difference_pct = self.max_write_difference_pct

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if replay_last is not UNSET:
            field_dict["replay_last"] = replay_last
        if block_on_failed_suite is not UNSET:
            field_dict["block_on_failed_suite"] = block_on_failed_suite
        if max_write_difference_pct is not UNSET:
            field_dict["max_write_difference_pct"] = max_write_difference_pct

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        replay_last = d.pop("replay_last", UNSET)

        block_on_failed_suite = d.pop("block_on_failed_suite", UNSET)

        def _parse_max_write_difference_pct(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        max_write_difference_pct = _parse_max_write_difference_pct(d.pop("max_write_difference_pct", UNSET))

        gate_policy = cls(
            replay_last=replay_last,
            block_on_failed_suite=block_on_failed_suite,
            max_write_difference_pct=max_write_difference_pct,
        )

        return gate_policy
