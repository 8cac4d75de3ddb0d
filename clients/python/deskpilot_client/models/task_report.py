from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.task_report_pass_hat import TaskReportPassHat
    from ..models.trial_report import TrialReport


T = TypeVar("T", bound="TaskReport")


@_attrs_define
class TaskReport:
    """
    Attributes:
        id (str):
        trials (int):
        passed_trials (int):
        pass_hat (TaskReportPassHat): pass^k for k = 1 … trials
        passed (bool):
        results (list[TrialReport]):
        description (str | Unset):  Default: ''.
    """

    id: str
    trials: int
    passed_trials: int
    pass_hat: TaskReportPassHat
    passed: bool
    results: list[TrialReport]
    description: str | Unset = ""
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        trials = self.trials

        passed_trials = self.passed_trials

        pass_hat = self.pass_hat.to_dict()

        passed = self.passed

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        description = self.description

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "trials": trials,
                "passed_trials": passed_trials,
                "pass_hat": pass_hat,
                "passed": passed,
                "results": results,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.task_report_pass_hat import TaskReportPassHat  # noqa: PLC0415
        from ..models.trial_report import TrialReport  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        trials = d.pop("trials")

        passed_trials = d.pop("passed_trials")

        pass_hat = TaskReportPassHat.from_dict(d.pop("pass_hat"))

        passed = d.pop("passed")

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = TrialReport.from_dict(results_item_data)

            results.append(results_item)

        description = d.pop("description", UNSET)

        task_report = cls(
            id=id,
            trials=trials,
            passed_trials=passed_trials,
            pass_hat=pass_hat,
            passed=passed,
            results=results,
            description=description,
        )

        task_report.additional_properties = d
        return task_report

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
