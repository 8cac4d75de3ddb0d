from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.plan_change_over_limit_behaviour import PlanChangeOverLimitBehaviour
from ..models.plan_change_plan import PlanChangePlan
from ..types import UNSET, Unset

T = TypeVar("T", bound="PlanChange")


@_attrs_define
class PlanChange:
    """A tenant's plan, and what happens to new conversations past its hard limit.

    Attributes:
        plan (PlanChangePlan): one of the plans
        over_limit_behaviour (PlanChangeOverLimitBehaviour | Unset):  Default: PlanChangeOverLimitBehaviour.HANDOFF.
        refusal_message (None | str | Unset):
    """

    plan: PlanChangePlan
    over_limit_behaviour: PlanChangeOverLimitBehaviour | Unset = PlanChangeOverLimitBehaviour.HANDOFF
    refusal_message: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan.value

        over_limit_behaviour: str | Unset = UNSET
        if not isinstance(self.over_limit_behaviour, Unset):
            over_limit_behaviour = self.over_limit_behaviour.value

        refusal_message: None | str | Unset
        if isinstance(self.refusal_message, Unset):
            refusal_message = UNSET
        else:
            refusal_message = self.refusal_message

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "plan": plan,
            }
        )
        if over_limit_behaviour is not UNSET:
            field_dict["over_limit_behaviour"] = over_limit_behaviour
        if refusal_message is not UNSET:
            field_dict["refusal_message"] = refusal_message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        plan = PlanChangePlan(d.pop("plan"))

        _over_limit_behaviour = d.pop("over_limit_behaviour", UNSET)
        over_limit_behaviour: PlanChangeOverLimitBehaviour | Unset
        if isinstance(_over_limit_behaviour, Unset):
            over_limit_behaviour = UNSET
        else:
            over_limit_behaviour = PlanChangeOverLimitBehaviour(_over_limit_behaviour)

        def _parse_refusal_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        refusal_message = _parse_refusal_message(d.pop("refusal_message", UNSET))

        plan_change = cls(
            plan=plan,
            over_limit_behaviour=over_limit_behaviour,
            refusal_message=refusal_message,
        )

        return plan_change
