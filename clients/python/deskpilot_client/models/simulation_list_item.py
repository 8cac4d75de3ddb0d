from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.simulation_progress import SimulationProgress


T = TypeVar("T", bound="SimulationListItem")


@_attrs_define
class SimulationListItem:
    """
    Attributes:
        id (str):
        status (str): queued | running | done | failed
        suite (str):
        trials (int):
        progress (SimulationProgress):
        passed (bool | None): every trial of every task passed (None until done)
        pass_1 (float | None): the suite's pass^1, the mean success rate (None until done)
        model (None | str): provider/model the agent ran on (None until done)
        created_at (datetime.datetime):
        finished_at (datetime.datetime | None):
    """

    id: str
    status: str
    suite: str
    trials: int
    progress: SimulationProgress
    passed: bool | None
    pass_1: float | None
    model: None | str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        status = self.status

        suite = self.suite

        trials = self.trials

        progress = self.progress.to_dict()

        passed: bool | None
        passed = self.passed

        pass_1: float | None
        pass_1 = self.pass_1

        model: None | str
        model = self.model

        created_at = self.created_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "suite": suite,
                "trials": trials,
                "progress": progress,
                "passed": passed,
                "pass_1": pass_1,
                "model": model,
                "created_at": created_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.simulation_progress import SimulationProgress  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        status = d.pop("status")

        suite = d.pop("suite")

        trials = d.pop("trials")

        progress = SimulationProgress.from_dict(d.pop("progress"))

        def _parse_passed(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        passed = _parse_passed(d.pop("passed"))

        def _parse_pass_1(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        pass_1 = _parse_pass_1(d.pop("pass_1"))

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        simulation_list_item = cls(
            id=id,
            status=status,
            suite=suite,
            trials=trials,
            progress=progress,
            passed=passed,
            pass_1=pass_1,
            model=model,
            created_at=created_at,
            finished_at=finished_at,
        )

        simulation_list_item.additional_properties = d
        return simulation_list_item

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
