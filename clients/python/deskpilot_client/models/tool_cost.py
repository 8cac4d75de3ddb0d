from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ToolCost")


@_attrs_define
class ToolCost:
    """
    Attributes:
        tool (str):
        calls (int):
        failures (int):
        error_rate (str):
        cost_usd (str): A decimal number as a string (exact; money is in US dollars).
    """

    tool: str
    calls: int
    failures: int
    error_rate: str
    cost_usd: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tool = self.tool

        calls = self.calls

        failures = self.failures

        error_rate = self.error_rate

        cost_usd = self.cost_usd

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tool": tool,
                "calls": calls,
                "failures": failures,
                "error_rate": error_rate,
                "cost_usd": cost_usd,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tool = d.pop("tool")

        calls = d.pop("calls")

        failures = d.pop("failures")

        error_rate = d.pop("error_rate")

        cost_usd = d.pop("cost_usd")

        tool_cost = cls(
            tool=tool,
            calls=calls,
            failures=failures,
            error_rate=error_rate,
            cost_usd=cost_usd,
        )

        tool_cost.additional_properties = d
        return tool_cost

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
