from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.line import Line
    from ..models.turn_actions import TurnActions


T = TypeVar("T", bound="TrialReport")


@_attrs_define
class TrialReport:
    """
    Attributes:
        trial (int):
        passed (bool):
        failures (list[str]): each expectation that did not hold, in words
        transcript (list[Line]):
        turns (list[TurnActions]):
        cost_usd (str | Unset): A decimal number as a string (exact; money is in US dollars). Default: '0'.
        duration_ms (float | Unset):  Default: 0.0.
        error (None | str | Unset):
    """

    trial: int
    passed: bool
    failures: list[str]
    transcript: list[Line]
    turns: list[TurnActions]
    cost_usd: str | Unset = "0"
    duration_ms: float | Unset = 0.0
    error: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        trial = self.trial

        passed = self.passed

        failures = self.failures

        transcript = []
        for transcript_item_data in self.transcript:
            transcript_item = transcript_item_data.to_dict()
            transcript.append(transcript_item)

        turns = []
        for turns_item_data in self.turns:
            turns_item = turns_item_data.to_dict()
            turns.append(turns_item)

        cost_usd = self.cost_usd

        duration_ms = self.duration_ms

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "trial": trial,
                "passed": passed,
                "failures": failures,
                "transcript": transcript,
                "turns": turns,
            }
        )
        if cost_usd is not UNSET:
            field_dict["cost_usd"] = cost_usd
        if duration_ms is not UNSET:
            field_dict["duration_ms"] = duration_ms
        if error is not UNSET:
            field_dict["error"] = error

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.line import Line  # noqa: PLC0415
        from ..models.turn_actions import TurnActions  # noqa: PLC0415

        d = dict(src_dict)
        trial = d.pop("trial")

        passed = d.pop("passed")

        failures = cast(list[str], d.pop("failures"))

        transcript = []
        _transcript = d.pop("transcript")
        for transcript_item_data in _transcript:
            transcript_item = Line.from_dict(transcript_item_data)

            transcript.append(transcript_item)

        turns = []
        _turns = d.pop("turns")
        for turns_item_data in _turns:
            turns_item = TurnActions.from_dict(turns_item_data)

            turns.append(turns_item)

        cost_usd = d.pop("cost_usd", UNSET)

        duration_ms = d.pop("duration_ms", UNSET)

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        trial_report = cls(
            trial=trial,
            passed=passed,
            failures=failures,
            transcript=transcript,
            turns=turns,
            cost_usd=cost_usd,
            duration_ms=duration_ms,
            error=error,
        )

        trial_report.additional_properties = d
        return trial_report

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
