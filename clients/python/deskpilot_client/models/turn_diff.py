from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_change import ToolChange
    from ..models.turn_actions import TurnActions


T = TypeVar("T", bound="TurnDiff")


@_attrs_define
class TurnDiff:
    """
    Attributes:
        message_index (int | None):
        customer_text (str):
        recorded (None | TurnActions):
        candidate (None | TurnActions):
        tool_changes (list[ToolChange] | Unset):
        handoff_changed (bool | Unset):  Default: False.
        limits_changed (bool | Unset):  Default: False.
        refusal_changed (bool | Unset):  Default: False.
        model_failure_changed (bool | Unset):  Default: False.
        reply_similarity (float | None | Unset): 0-1, words in common (1: the same text)
        reply_diff (None | str | Unset): word diff: [-recorded words-]{+candidate words+}
        identical_actions (bool | Unset):  Default: True.
        write_difference (bool | Unset):  Default: False.
    """

    message_index: int | None
    customer_text: str
    recorded: None | TurnActions
    candidate: None | TurnActions
    tool_changes: list[ToolChange] | Unset = UNSET
    handoff_changed: bool | Unset = False
    limits_changed: bool | Unset = False
    refusal_changed: bool | Unset = False
    model_failure_changed: bool | Unset = False
    reply_similarity: float | None | Unset = UNSET
    reply_diff: None | str | Unset = UNSET
    identical_actions: bool | Unset = True
    write_difference: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.turn_actions import TurnActions  # noqa: PLC0415

        message_index: int | None
        message_index = self.message_index

        customer_text = self.customer_text

        recorded: dict[str, Any] | None
        if isinstance(self.recorded, TurnActions):
            recorded = self.recorded.to_dict()
        else:
            recorded = self.recorded

        candidate: dict[str, Any] | None
        if isinstance(self.candidate, TurnActions):
            candidate = self.candidate.to_dict()
        else:
            candidate = self.candidate

        tool_changes: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tool_changes, Unset):
            tool_changes = []
            for tool_changes_item_data in self.tool_changes:
                tool_changes_item = tool_changes_item_data.to_dict()
                tool_changes.append(tool_changes_item)

        handoff_changed = self.handoff_changed

        limits_changed = self.limits_changed

        refusal_changed = self.refusal_changed

        model_failure_changed = self.model_failure_changed

        reply_similarity: float | None | Unset
        if isinstance(self.reply_similarity, Unset):
            reply_similarity = UNSET
        else:
            reply_similarity = self.reply_similarity

        reply_diff: None | str | Unset
        if isinstance(self.reply_diff, Unset):
            reply_diff = UNSET
        else:
            reply_diff = self.reply_diff

        identical_actions = self.identical_actions

        write_difference = self.write_difference

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "message_index": message_index,
                "customer_text": customer_text,
                "recorded": recorded,
                "candidate": candidate,
            }
        )
        if tool_changes is not UNSET:
            field_dict["tool_changes"] = tool_changes
        if handoff_changed is not UNSET:
            field_dict["handoff_changed"] = handoff_changed
        if limits_changed is not UNSET:
            field_dict["limits_changed"] = limits_changed
        if refusal_changed is not UNSET:
            field_dict["refusal_changed"] = refusal_changed
        if model_failure_changed is not UNSET:
            field_dict["model_failure_changed"] = model_failure_changed
        if reply_similarity is not UNSET:
            field_dict["reply_similarity"] = reply_similarity
        if reply_diff is not UNSET:
            field_dict["reply_diff"] = reply_diff
        if identical_actions is not UNSET:
            field_dict["identical_actions"] = identical_actions
        if write_difference is not UNSET:
            field_dict["write_difference"] = write_difference

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_change import ToolChange  # noqa: PLC0415
        from ..models.turn_actions import TurnActions  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_message_index(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        message_index = _parse_message_index(d.pop("message_index"))

        customer_text = d.pop("customer_text")

        def _parse_recorded(data: object) -> None | TurnActions:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                recorded_type_0 = TurnActions.from_dict(data)

                return recorded_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TurnActions, data)

        recorded = _parse_recorded(d.pop("recorded"))

        def _parse_candidate(data: object) -> None | TurnActions:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                candidate_type_0 = TurnActions.from_dict(data)

                return candidate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TurnActions, data)

        candidate = _parse_candidate(d.pop("candidate"))

        _tool_changes = d.pop("tool_changes", UNSET)
        tool_changes: list[ToolChange] | Unset = UNSET
        if _tool_changes is not UNSET:
            tool_changes = []
            for tool_changes_item_data in _tool_changes:
                tool_changes_item = ToolChange.from_dict(tool_changes_item_data)

                tool_changes.append(tool_changes_item)

        handoff_changed = d.pop("handoff_changed", UNSET)

        limits_changed = d.pop("limits_changed", UNSET)

        refusal_changed = d.pop("refusal_changed", UNSET)

        model_failure_changed = d.pop("model_failure_changed", UNSET)

        def _parse_reply_similarity(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        reply_similarity = _parse_reply_similarity(d.pop("reply_similarity", UNSET))

        def _parse_reply_diff(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reply_diff = _parse_reply_diff(d.pop("reply_diff", UNSET))

        identical_actions = d.pop("identical_actions", UNSET)

        write_difference = d.pop("write_difference", UNSET)

        turn_diff = cls(
            message_index=message_index,
            customer_text=customer_text,
            recorded=recorded,
            candidate=candidate,
            tool_changes=tool_changes,
            handoff_changed=handoff_changed,
            limits_changed=limits_changed,
            refusal_changed=refusal_changed,
            model_failure_changed=model_failure_changed,
            reply_similarity=reply_similarity,
            reply_diff=reply_diff,
            identical_actions=identical_actions,
            write_difference=write_difference,
        )

        turn_diff.additional_properties = d
        return turn_diff

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
