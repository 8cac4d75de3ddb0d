from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.simulation_request_candidate_type_0 import SimulationRequestCandidateType0
    from ..models.simulation_request_suite_type_0 import SimulationRequestSuiteType0


T = TypeVar("T", bound="SimulationRequest")


@_attrs_define
class SimulationRequest:
    """Run a suite (docs/simulation.md) ``trials`` times per task, optionally against a candidate. ``suite``: the
    suite as an object, or its YAML/JSON text (then problems are named by line too).

        Attributes:
            suite (SimulationRequestSuiteType0 | str):
            candidate (None | SimulationRequestCandidateType0 | Unset):
            trials (int | Unset):  Default: 1.
    """

    suite: SimulationRequestSuiteType0 | str
    candidate: None | SimulationRequestCandidateType0 | Unset = UNSET
    trials: int | Unset = 1

    def to_dict(self) -> dict[str, Any]:
        from ..models.simulation_request_candidate_type_0 import SimulationRequestCandidateType0  # noqa: PLC0415
        from ..models.simulation_request_suite_type_0 import SimulationRequestSuiteType0  # noqa: PLC0415

        suite: dict[str, Any] | str
        if isinstance(self.suite, SimulationRequestSuiteType0):
            suite = self.suite.to_dict()
        else:
            suite = self.suite

        candidate: dict[str, Any] | None | Unset
        if isinstance(self.candidate, Unset):
            candidate = UNSET
        elif isinstance(self.candidate, SimulationRequestCandidateType0):
            candidate = self.candidate.to_dict()
        else:
            candidate = self.candidate

        trials = self.trials

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "suite": suite,
            }
        )
        if candidate is not UNSET:
            field_dict["candidate"] = candidate
        if trials is not UNSET:
            field_dict["trials"] = trials

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.simulation_request_candidate_type_0 import SimulationRequestCandidateType0  # noqa: PLC0415
        from ..models.simulation_request_suite_type_0 import SimulationRequestSuiteType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_suite(data: object) -> SimulationRequestSuiteType0 | str:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                suite_type_0 = SimulationRequestSuiteType0.from_dict(data)

                return suite_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(SimulationRequestSuiteType0 | str, data)

        suite = _parse_suite(d.pop("suite"))

        def _parse_candidate(data: object) -> None | SimulationRequestCandidateType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                candidate_type_0 = SimulationRequestCandidateType0.from_dict(data)

                return candidate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SimulationRequestCandidateType0 | Unset, data)

        candidate = _parse_candidate(d.pop("candidate", UNSET))

        trials = d.pop("trials", UNSET)

        simulation_request = cls(
            suite=suite,
            candidate=candidate,
            trials=trials,
        )

        return simulation_request
