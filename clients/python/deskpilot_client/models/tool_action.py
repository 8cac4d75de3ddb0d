from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tool_action_approval import ToolActionApproval
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_action_arguments import ToolActionArguments


T = TypeVar("T", bound="ToolAction")


@_attrs_define
class ToolAction:
    """
    Attributes:
        tool_call_id (str):
        tool (str):
        arguments (ToolActionArguments):
        write (bool): the tool changes something (its risk is not 'read')
        approval (ToolActionApproval | Unset):  Default: ToolActionApproval.NONE.
        outcome (str | Unset): completed | failed: <kind> | pending | not sent Default: 'pending'.
        result_summary (str | Unset):  Default: ''.
        answered_from (None | str | Unset): sandbox only: recorded | dry_run | unrecorded | not_executed | world
    """

    tool_call_id: str
    tool: str
    arguments: ToolActionArguments
    write: bool
    approval: ToolActionApproval | Unset = ToolActionApproval.NONE
    outcome: str | Unset = "pending"
    result_summary: str | Unset = ""
    answered_from: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        tool_call_id = self.tool_call_id

        tool = self.tool

        arguments = self.arguments.to_dict()

        write = self.write

        approval: str | Unset = UNSET
        if not isinstance(self.approval, Unset):
            approval = self.approval.value

        outcome = self.outcome

        result_summary = self.result_summary

        answered_from: None | str | Unset
        if isinstance(self.answered_from, Unset):
            answered_from = UNSET
        else:
            answered_from = self.answered_from

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "tool_call_id": tool_call_id,
                "tool": tool,
                "arguments": arguments,
                "write": write,
            }
        )
        if approval is not UNSET:
            field_dict["approval"] = approval
        if outcome is not UNSET:
            field_dict["outcome"] = outcome
        if result_summary is not UNSET:
            field_dict["result_summary"] = result_summary
        if answered_from is not UNSET:
            field_dict["answered_from"] = answered_from

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_action_arguments import ToolActionArguments  # noqa: PLC0415

        d = dict(src_dict)
        tool_call_id = d.pop("tool_call_id")

        tool = d.pop("tool")

        arguments = ToolActionArguments.from_dict(d.pop("arguments"))

        write = d.pop("write")

        _approval = d.pop("approval", UNSET)
        approval: ToolActionApproval | Unset
        if isinstance(_approval, Unset):
            approval = UNSET
        else:
            approval = ToolActionApproval(_approval)

        outcome = d.pop("outcome", UNSET)

        result_summary = d.pop("result_summary", UNSET)

        def _parse_answered_from(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        answered_from = _parse_answered_from(d.pop("answered_from", UNSET))

        tool_action = cls(
            tool_call_id=tool_call_id,
            tool=tool,
            arguments=arguments,
            write=write,
            approval=approval,
            outcome=outcome,
            result_summary=result_summary,
            answered_from=answered_from,
        )

        tool_action.additional_properties = d
        return tool_action

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
