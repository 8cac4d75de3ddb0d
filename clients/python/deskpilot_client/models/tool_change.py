from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tool_change_change import ToolChangeChange
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_change_candidate_arguments_type_0 import ToolChangeCandidateArgumentsType0
    from ..models.tool_change_recorded_arguments_type_0 import ToolChangeRecordedArgumentsType0


T = TypeVar("T", bound="ToolChange")


@_attrs_define
class ToolChange:
    """
    Attributes:
        change (ToolChangeChange):
        tool (str):
        write (bool):
        recorded_arguments (None | ToolChangeRecordedArgumentsType0 | Unset):
        candidate_arguments (None | ToolChangeCandidateArgumentsType0 | Unset):
        recorded_approval (None | str | Unset):
        candidate_approval (None | str | Unset):
    """

    change: ToolChangeChange
    tool: str
    write: bool
    recorded_arguments: None | ToolChangeRecordedArgumentsType0 | Unset = UNSET
    candidate_arguments: None | ToolChangeCandidateArgumentsType0 | Unset = UNSET
    recorded_approval: None | str | Unset = UNSET
    candidate_approval: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.tool_change_candidate_arguments_type_0 import ToolChangeCandidateArgumentsType0  # noqa: PLC0415
        from ..models.tool_change_recorded_arguments_type_0 import ToolChangeRecordedArgumentsType0  # noqa: PLC0415

        change = self.change.value

        tool = self.tool

        write = self.write

        recorded_arguments: dict[str, Any] | None | Unset
        if isinstance(self.recorded_arguments, Unset):
            recorded_arguments = UNSET
        elif isinstance(self.recorded_arguments, ToolChangeRecordedArgumentsType0):
            recorded_arguments = self.recorded_arguments.to_dict()
        else:
            recorded_arguments = self.recorded_arguments

        candidate_arguments: dict[str, Any] | None | Unset
        if isinstance(self.candidate_arguments, Unset):
            candidate_arguments = UNSET
        elif isinstance(self.candidate_arguments, ToolChangeCandidateArgumentsType0):
            candidate_arguments = self.candidate_arguments.to_dict()
        else:
            candidate_arguments = self.candidate_arguments

        recorded_approval: None | str | Unset
        if isinstance(self.recorded_approval, Unset):
            recorded_approval = UNSET
        else:
            recorded_approval = self.recorded_approval

        candidate_approval: None | str | Unset
        if isinstance(self.candidate_approval, Unset):
            candidate_approval = UNSET
        else:
            candidate_approval = self.candidate_approval

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "change": change,
                "tool": tool,
                "write": write,
            }
        )
        if recorded_arguments is not UNSET:
            field_dict["recorded_arguments"] = recorded_arguments
        if candidate_arguments is not UNSET:
            field_dict["candidate_arguments"] = candidate_arguments
        if recorded_approval is not UNSET:
            field_dict["recorded_approval"] = recorded_approval
        if candidate_approval is not UNSET:
            field_dict["candidate_approval"] = candidate_approval

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_change_candidate_arguments_type_0 import ToolChangeCandidateArgumentsType0  # noqa: PLC0415
        from ..models.tool_change_recorded_arguments_type_0 import ToolChangeRecordedArgumentsType0  # noqa: PLC0415

        d = dict(src_dict)
        change = ToolChangeChange(d.pop("change"))

        tool = d.pop("tool")

        write = d.pop("write")

        def _parse_recorded_arguments(data: object) -> None | ToolChangeRecordedArgumentsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                recorded_arguments_type_0 = ToolChangeRecordedArgumentsType0.from_dict(data)

                return recorded_arguments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ToolChangeRecordedArgumentsType0 | Unset, data)

        recorded_arguments = _parse_recorded_arguments(d.pop("recorded_arguments", UNSET))

        def _parse_candidate_arguments(data: object) -> None | ToolChangeCandidateArgumentsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                candidate_arguments_type_0 = ToolChangeCandidateArgumentsType0.from_dict(data)

                return candidate_arguments_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ToolChangeCandidateArgumentsType0 | Unset, data)

        candidate_arguments = _parse_candidate_arguments(d.pop("candidate_arguments", UNSET))

        def _parse_recorded_approval(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        recorded_approval = _parse_recorded_approval(d.pop("recorded_approval", UNSET))

        def _parse_candidate_approval(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        candidate_approval = _parse_candidate_approval(d.pop("candidate_approval", UNSET))

        tool_change = cls(
            change=change,
            tool=tool,
            write=write,
            recorded_arguments=recorded_arguments,
            candidate_arguments=candidate_arguments,
            recorded_approval=recorded_approval,
            candidate_approval=candidate_approval,
        )

        tool_change.additional_properties = d
        return tool_change

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
