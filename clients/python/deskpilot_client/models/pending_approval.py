from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.pending_approval_arguments import PendingApprovalArguments


T = TypeVar("T", bound="PendingApproval")


@_attrs_define
class PendingApproval:
    """
    Attributes:
        tool_call_id (str):
        tool (str):
        arguments (PendingApprovalArguments):
        rule (str):
    """

    tool_call_id: str
    tool: str
    arguments: PendingApprovalArguments
    rule: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tool_call_id = self.tool_call_id

        tool = self.tool

        arguments = self.arguments.to_dict()

        rule = self.rule

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tool_call_id": tool_call_id,
                "tool": tool,
                "arguments": arguments,
                "rule": rule,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.pending_approval_arguments import PendingApprovalArguments  # noqa: PLC0415

        d = dict(src_dict)
        tool_call_id = d.pop("tool_call_id")

        tool = d.pop("tool")

        arguments = PendingApprovalArguments.from_dict(d.pop("arguments"))

        rule = d.pop("rule")

        pending_approval = cls(
            tool_call_id=tool_call_id,
            tool=tool,
            arguments=arguments,
            rule=rule,
        )

        pending_approval.additional_properties = d
        return pending_approval

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
