from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.simulation_progress import SimulationProgress
    from ..models.simulation_view_candidate_type_0 import SimulationViewCandidateType0
    from ..models.suite_report import SuiteReport


T = TypeVar("T", bound="SimulationView")


@_attrs_define
class SimulationView:
    """
    Attributes:
        id (str):
        status (str): queued | running | done | failed
        suite (str):
        candidate (None | SimulationViewCandidateType0):
        trials (int):
        progress (SimulationProgress):
        passed (bool | None): every trial of every task passed (None until done)
        report (None | SuiteReport):
        error (None | str):
        created_at (datetime.datetime):
        finished_at (datetime.datetime | None):
    """

    id: str
    status: str
    suite: str
    candidate: None | SimulationViewCandidateType0
    trials: int
    progress: SimulationProgress
    passed: bool | None
    report: None | SuiteReport
    error: None | str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.simulation_view_candidate_type_0 import SimulationViewCandidateType0  # noqa: PLC0415
        from ..models.suite_report import SuiteReport  # noqa: PLC0415

        id = self.id

        status = self.status

        suite = self.suite

        candidate: dict[str, Any] | None
        if isinstance(self.candidate, SimulationViewCandidateType0):
            candidate = self.candidate.to_dict()
        else:
            candidate = self.candidate

        trials = self.trials

        progress = self.progress.to_dict()

        passed: bool | None
        passed = self.passed

        report: dict[str, Any] | None
        if isinstance(self.report, SuiteReport):
            report = self.report.to_dict()
        else:
            report = self.report

        error: None | str
        error = self.error

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
                "candidate": candidate,
                "trials": trials,
                "progress": progress,
                "passed": passed,
                "report": report,
                "error": error,
                "created_at": created_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.simulation_progress import SimulationProgress  # noqa: PLC0415
        from ..models.simulation_view_candidate_type_0 import SimulationViewCandidateType0  # noqa: PLC0415
        from ..models.suite_report import SuiteReport  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        status = d.pop("status")

        suite = d.pop("suite")

        def _parse_candidate(data: object) -> None | SimulationViewCandidateType0:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                candidate_type_0 = SimulationViewCandidateType0.from_dict(data)

                return candidate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SimulationViewCandidateType0, data)

        candidate = _parse_candidate(d.pop("candidate"))

        trials = d.pop("trials")

        progress = SimulationProgress.from_dict(d.pop("progress"))

        def _parse_passed(data: object) -> bool | None:
            if data is None:
                return data
            return cast(bool | None, data)

        passed = _parse_passed(d.pop("passed"))

        def _parse_report(data: object) -> None | SuiteReport:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                report_type_0 = SuiteReport.from_dict(data)

                return report_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SuiteReport, data)

        report = _parse_report(d.pop("report"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

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

        simulation_view = cls(
            id=id,
            status=status,
            suite=suite,
            candidate=candidate,
            trials=trials,
            progress=progress,
            passed=passed,
            report=report,
            error=error,
            created_at=created_at,
            finished_at=finished_at,
        )

        simulation_view.additional_properties = d
        return simulation_view

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
