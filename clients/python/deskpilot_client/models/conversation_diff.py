from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.turn_diff import TurnDiff


T = TypeVar("T", bound="ConversationDiff")


@_attrs_define
class ConversationDiff:
    """
    Attributes:
        conversation_id (str):
        recorded_model (str | Unset):  Default: ''.
        candidate_model (str | Unset):  Default: ''.
        turns (list[TurnDiff] | Unset):
        identical_actions (bool | Unset):  Default: True.
        write_difference (bool | Unset):  Default: False.
        recorded_cost_usd (str | Unset): A decimal number as a string (exact; money is in US dollars). Default: '0'.
        candidate_cost_usd (str | Unset): A decimal number as a string (exact; money is in US dollars). Default: '0'.
        recorded_model_ms (float | Unset):  Default: 0.0.
        candidate_model_ms (float | Unset):  Default: 0.0.
        candidate_elapsed_ms (float | Unset): wall time of the candidate's whole replay Default: 0.0.
        error (None | str | Unset): why this conversation could not be replayed
    """

    conversation_id: str
    recorded_model: str | Unset = ""
    candidate_model: str | Unset = ""
    turns: list[TurnDiff] | Unset = UNSET
    identical_actions: bool | Unset = True
    write_difference: bool | Unset = False
    recorded_cost_usd: str | Unset = "0"
    candidate_cost_usd: str | Unset = "0"
    recorded_model_ms: float | Unset = 0.0
    candidate_model_ms: float | Unset = 0.0
    candidate_elapsed_ms: float | Unset = 0.0
    error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation_id = self.conversation_id

        recorded_model = self.recorded_model

        candidate_model = self.candidate_model

        turns: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.turns, Unset):
            turns = []
            for turns_item_data in self.turns:
                turns_item = turns_item_data.to_dict()
                turns.append(turns_item)

        identical_actions = self.identical_actions

        write_difference = self.write_difference

        recorded_cost_usd = self.recorded_cost_usd

        candidate_cost_usd = self.candidate_cost_usd

        recorded_model_ms = self.recorded_model_ms

        candidate_model_ms = self.candidate_model_ms

        candidate_elapsed_ms = self.candidate_elapsed_ms

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation_id": conversation_id,
            }
        )
        if recorded_model is not UNSET:
            field_dict["recorded_model"] = recorded_model
        if candidate_model is not UNSET:
            field_dict["candidate_model"] = candidate_model
        if turns is not UNSET:
            field_dict["turns"] = turns
        if identical_actions is not UNSET:
            field_dict["identical_actions"] = identical_actions
        if write_difference is not UNSET:
            field_dict["write_difference"] = write_difference
        if recorded_cost_usd is not UNSET:
            field_dict["recorded_cost_usd"] = recorded_cost_usd
        if candidate_cost_usd is not UNSET:
            field_dict["candidate_cost_usd"] = candidate_cost_usd
        if recorded_model_ms is not UNSET:
            field_dict["recorded_model_ms"] = recorded_model_ms
        if candidate_model_ms is not UNSET:
            field_dict["candidate_model_ms"] = candidate_model_ms
        if candidate_elapsed_ms is not UNSET:
            field_dict["candidate_elapsed_ms"] = candidate_elapsed_ms
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.turn_diff import TurnDiff  # noqa: PLC0415

        d = dict(src_dict)
        conversation_id = d.pop("conversation_id")

        recorded_model = d.pop("recorded_model", UNSET)

        candidate_model = d.pop("candidate_model", UNSET)

        _turns = d.pop("turns", UNSET)
        turns: list[TurnDiff] | Unset = UNSET
        if _turns is not UNSET:
            turns = []
            for turns_item_data in _turns:
                turns_item = TurnDiff.from_dict(turns_item_data)

                turns.append(turns_item)

        identical_actions = d.pop("identical_actions", UNSET)

        write_difference = d.pop("write_difference", UNSET)

        recorded_cost_usd = d.pop("recorded_cost_usd", UNSET)

        candidate_cost_usd = d.pop("candidate_cost_usd", UNSET)

        recorded_model_ms = d.pop("recorded_model_ms", UNSET)

        candidate_model_ms = d.pop("candidate_model_ms", UNSET)

        candidate_elapsed_ms = d.pop("candidate_elapsed_ms", UNSET)

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        conversation_diff = cls(
            conversation_id=conversation_id,
            recorded_model=recorded_model,
            candidate_model=candidate_model,
            turns=turns,
            identical_actions=identical_actions,
            write_difference=write_difference,
            recorded_cost_usd=recorded_cost_usd,
            candidate_cost_usd=candidate_cost_usd,
            recorded_model_ms=recorded_model_ms,
            candidate_model_ms=candidate_model_ms,
            candidate_elapsed_ms=candidate_elapsed_ms,
            error=error,
        )

        conversation_diff.additional_properties = d
        return conversation_diff

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
