from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.candidate_request import CandidateRequest


T = TypeVar("T", bound="SimulationRequest")


@_attrs_define
class SimulationRequest:
    """Run a suite (docs/simulation.md) ``trials`` times per task, optionally against a candidate. ``suite``: the
    suite's YAML or JSON text (a suite object from ``POST /v1/simulations/suites``, sent as JSON text).

        Attributes:
            suite (str): a simulation suite as YAML or JSON text: tasks with unique ids, customers, setups and expectations
                as docs/simulation.md describes them (format `deskpilot-suite`); each problem is named by field and line: 422
                when the document is wrong, 409 when it names what this tenant does not have
            candidate (CandidateRequest | None | Unset):
            trials (int | Unset):  Default: 1.
    """

    suite: str
    candidate: CandidateRequest | None | Unset = UNSET
    trials: int | Unset = 1

    def to_dict(self) -> dict[str, Any]:
        from ..models.candidate_request import CandidateRequest  # noqa: PLC0415

        suite = self.suite

        candidate: dict[str, Any] | None | Unset
        if isinstance(self.candidate, Unset):
            candidate = UNSET
        elif isinstance(self.candidate, CandidateRequest):
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
        from ..models.candidate_request import CandidateRequest  # noqa: PLC0415

        d = dict(src_dict)
        suite = d.pop("suite")

        def _parse_candidate(data: object) -> CandidateRequest | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                candidate_type_0 = CandidateRequest.from_dict(data)

                return candidate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CandidateRequest | None | Unset, data)

        candidate = _parse_candidate(d.pop("candidate", UNSET))

        trials = d.pop("trials", UNSET)

        simulation_request = cls(
            suite=suite,
            candidate=candidate,
            trials=trials,
        )

        return simulation_request
