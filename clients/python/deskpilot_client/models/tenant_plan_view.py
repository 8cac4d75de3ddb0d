from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.tenant_plan_view_over_limit_behaviour import TenantPlanViewOverLimitBehaviour

if TYPE_CHECKING:
    from ..models.plan_limits import PlanLimits


T = TypeVar("T", bound="TenantPlanView")


@_attrs_define
class TenantPlanView:
    """
    Attributes:
        plan (PlanLimits):
        over_limit_behaviour (TenantPlanViewOverLimitBehaviour):
        refusal_message (None | str):
    """

    plan: PlanLimits
    over_limit_behaviour: TenantPlanViewOverLimitBehaviour
    refusal_message: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan.to_dict()

        over_limit_behaviour = self.over_limit_behaviour.value

        refusal_message: None | str
        refusal_message = self.refusal_message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "plan": plan,
                "over_limit_behaviour": over_limit_behaviour,
                "refusal_message": refusal_message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.plan_limits import PlanLimits  # noqa: PLC0415

        d = dict(src_dict)
        plan = PlanLimits.from_dict(d.pop("plan"))

        over_limit_behaviour = TenantPlanViewOverLimitBehaviour(d.pop("over_limit_behaviour"))

        def _parse_refusal_message(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        refusal_message = _parse_refusal_message(d.pop("refusal_message"))

        tenant_plan_view = cls(
            plan=plan,
            over_limit_behaviour=over_limit_behaviour,
            refusal_message=refusal_message,
        )

        tenant_plan_view.additional_properties = d
        return tenant_plan_view

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
