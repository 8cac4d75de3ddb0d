from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApprovalRule")


@_attrs_define
class ApprovalRule:
    """``tool`` needs a human's approval; with ``argument`` and ``above``, only when that argument exceeds
    ``above`` (or is absent: a refund without an amount refunds everything, so it counts as exceeding).

        Attributes:
            tool (str):
            argument (None | str | Unset):
            above (float | None | str | Unset):
    """

    tool: str
    argument: None | str | Unset = UNSET
    above: float | None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        tool = self.tool

        argument: None | str | Unset
        if isinstance(self.argument, Unset):
            argument = UNSET
        else:
            argument = self.argument

        above: float | None | str | Unset
        if isinstance(self.above, Unset):
            above = UNSET
        else:
            above = self.above

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tool": tool,
            }
        )
        if argument is not UNSET:
            field_dict["argument"] = argument
        if above is not UNSET:
            field_dict["above"] = above

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tool = d.pop("tool")

        def _parse_argument(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        argument = _parse_argument(d.pop("argument", UNSET))

        def _parse_above(data: object) -> float | None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | str | Unset, data)

        above = _parse_above(d.pop("above", UNSET))

        approval_rule = cls(
            tool=tool,
            argument=argument,
            above=above,
        )

        return approval_rule
