from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_changes_descriptions import ToolChangesDescriptions
    from ..models.tool_spec import ToolSpec


T = TypeVar("T", bound="ToolChanges")


@_attrs_define
class ToolChanges:
    """Changes to the tool catalog the agent sees.

    Attributes:
        descriptions (ToolChangesDescriptions | Unset): tool name → its new description
        disabled (list[str] | Unset): tools the candidate does not offer the model
        added (list[ToolSpec] | Unset): tools the candidate adds (complete specs)
    """

    descriptions: ToolChangesDescriptions | Unset = UNSET
    disabled: list[str] | Unset = UNSET
    added: list[ToolSpec] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        descriptions: dict[str, Any] | Unset = UNSET
        if not isinstance(self.descriptions, Unset):
            descriptions = self.descriptions.to_dict()

        disabled: list[str] | Unset = UNSET
        if not isinstance(self.disabled, Unset):
            disabled = self.disabled

        added: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.added, Unset):
            added = []
            for added_item_data in self.added:
                added_item = added_item_data.to_dict()
                added.append(added_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if descriptions is not UNSET:
            field_dict["descriptions"] = descriptions
        if disabled is not UNSET:
            field_dict["disabled"] = disabled
        if added is not UNSET:
            field_dict["added"] = added

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_changes_descriptions import ToolChangesDescriptions  # noqa: PLC0415
        from ..models.tool_spec import ToolSpec  # noqa: PLC0415

        d = dict(src_dict)
        _descriptions = d.pop("descriptions", UNSET)
        descriptions: ToolChangesDescriptions | Unset
        if isinstance(_descriptions, Unset):
            descriptions = UNSET
        else:
            descriptions = ToolChangesDescriptions.from_dict(_descriptions)

        disabled = cast(list[str], d.pop("disabled", UNSET))

        _added = d.pop("added", UNSET)
        added: list[ToolSpec] | Unset = UNSET
        if _added is not UNSET:
            added = []
            for added_item_data in _added:
                added_item = ToolSpec.from_dict(added_item_data)

                added.append(added_item)

        tool_changes = cls(
            descriptions=descriptions,
            disabled=disabled,
            added=added,
        )

        return tool_changes
