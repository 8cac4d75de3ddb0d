from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.replay_summary import ReplaySummary
    from ..models.suite_outcome import SuiteOutcome
    from ..models.write_change import WriteChange


T = TypeVar("T", bound="GateReport")


@_attrs_define
class GateReport:
    """
    Attributes:
        replay (None | ReplaySummary): the action-diff summary of the replay (none: nothing replayed)
        write_changes (list[WriteChange]):
        suites (list[SuiteOutcome]):
        blocked (bool):
        reasons (list[str]):
    """

    replay: None | ReplaySummary
    write_changes: list[WriteChange]
    suites: list[SuiteOutcome]
    blocked: bool
    reasons: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.replay_summary import ReplaySummary  # noqa: PLC0415

        replay: dict[str, Any] | None
        if isinstance(self.replay, ReplaySummary):
            replay = self.replay.to_dict()
        else:
            replay = self.replay

        write_changes = []
        for write_changes_item_data in self.write_changes:
            write_changes_item = write_changes_item_data.to_dict()
            write_changes.append(write_changes_item)

        suites = []
        for suites_item_data in self.suites:
            suites_item = suites_item_data.to_dict()
            suites.append(suites_item)

        blocked = self.blocked

        reasons = self.reasons

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "replay": replay,
                "write_changes": write_changes,
                "suites": suites,
                "blocked": blocked,
                "reasons": reasons,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.replay_summary import ReplaySummary  # noqa: PLC0415
        from ..models.suite_outcome import SuiteOutcome  # noqa: PLC0415
        from ..models.write_change import WriteChange  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_replay(data: object) -> None | ReplaySummary:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                replay_type_0 = ReplaySummary.from_dict(data)

                return replay_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReplaySummary, data)

        replay = _parse_replay(d.pop("replay"))

        write_changes = []
        _write_changes = d.pop("write_changes")
        for write_changes_item_data in _write_changes:
            write_changes_item = WriteChange.from_dict(write_changes_item_data)

            write_changes.append(write_changes_item)

        suites = []
        _suites = d.pop("suites")
        for suites_item_data in _suites:
            suites_item = SuiteOutcome.from_dict(suites_item_data)

            suites.append(suites_item)

        blocked = d.pop("blocked")

        reasons = cast(list[str], d.pop("reasons"))

        gate_report = cls(
            replay=replay,
            write_changes=write_changes,
            suites=suites,
            blocked=blocked,
            reasons=reasons,
        )

        gate_report.additional_properties = d
        return gate_report

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
