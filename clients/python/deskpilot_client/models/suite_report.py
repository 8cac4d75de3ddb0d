from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.suite_report_pass_hat import SuiteReportPassHat
    from ..models.task_report import TaskReport


T = TypeVar("T", bound="SuiteReport")


@_attrs_define
class SuiteReport:
    """
    Attributes:
        suite (str):
        candidate (None | str):
        model (str):
        trials (int):
        passed (bool): every trial of every task passed
        pass_hat (SuiteReportPassHat): mean over tasks of pass^k
        failed_tasks (list[str]):
        tasks (list[TaskReport]):
        cost_usd (str): A decimal number as a string (exact; money is in US dollars).
        duration_ms (float):
    """

    suite: str
    candidate: None | str
    model: str
    trials: int
    passed: bool
    pass_hat: SuiteReportPassHat
    failed_tasks: list[str]
    tasks: list[TaskReport]
    cost_usd: str
    duration_ms: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        suite = self.suite

        candidate: None | str
        candidate = self.candidate

        model = self.model

        trials = self.trials

        passed = self.passed

        pass_hat = self.pass_hat.to_dict()

        failed_tasks = self.failed_tasks

        tasks = []
        for tasks_item_data in self.tasks:
            tasks_item = tasks_item_data.to_dict()
            tasks.append(tasks_item)

        cost_usd = self.cost_usd

        duration_ms = self.duration_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "suite": suite,
                "candidate": candidate,
                "model": model,
                "trials": trials,
                "passed": passed,
                "pass_hat": pass_hat,
                "failed_tasks": failed_tasks,
                "tasks": tasks,
                "cost_usd": cost_usd,
                "duration_ms": duration_ms,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.suite_report_pass_hat import SuiteReportPassHat  # noqa: PLC0415
        from ..models.task_report import TaskReport  # noqa: PLC0415

        d = dict(src_dict)
        suite = d.pop("suite")

        def _parse_candidate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        candidate = _parse_candidate(d.pop("candidate"))

        model = d.pop("model")

        trials = d.pop("trials")

        passed = d.pop("passed")

        pass_hat = SuiteReportPassHat.from_dict(d.pop("pass_hat"))

        failed_tasks = cast(list[str], d.pop("failed_tasks"))

        tasks = []
        _tasks = d.pop("tasks")
        for tasks_item_data in _tasks:
            tasks_item = TaskReport.from_dict(tasks_item_data)

            tasks.append(tasks_item)

        cost_usd = d.pop("cost_usd")

        duration_ms = d.pop("duration_ms")

        suite_report = cls(
            suite=suite,
            candidate=candidate,
            model=model,
            trials=trials,
            passed=passed,
            pass_hat=pass_hat,
            failed_tasks=failed_tasks,
            tasks=tasks,
            cost_usd=cost_usd,
            duration_ms=duration_ms,
        )

        suite_report.additional_properties = d
        return suite_report

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
