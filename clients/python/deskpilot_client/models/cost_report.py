from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.cost_distribution import CostDistribution
    from ..models.deflection_day import DeflectionDay
    from ..models.expensive_conversation import ExpensiveConversation
    from ..models.model_cost import ModelCost
    from ..models.tool_cost import ToolCost


T = TypeVar("T", bound="CostReport")


@_attrs_define
class CostReport:
    """
    Attributes:
        start (datetime.date):
        end (datetime.date): exclusive
        cost_per_conversation (CostDistribution):
        most_expensive (list[ExpensiveConversation]):
        tools (list[ToolCost]):
        ai_resolutions (int):
        human_handled (int):
        deflection_rate (None | str):
        deflection_by_day (list[DeflectionDay]):
        cost_per_ai_resolution_usd (None | str): total ledger cost of the conversations the AI resolved in the period,
            per resolution
        models (list[ModelCost] | Unset): model calls per provider and model, most expensive first
    """

    start: datetime.date
    end: datetime.date
    cost_per_conversation: CostDistribution
    most_expensive: list[ExpensiveConversation]
    tools: list[ToolCost]
    ai_resolutions: int
    human_handled: int
    deflection_rate: None | str
    deflection_by_day: list[DeflectionDay]
    cost_per_ai_resolution_usd: None | str
    models: list[ModelCost] | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        start = self.start.isoformat()

        end = self.end.isoformat()

        cost_per_conversation = self.cost_per_conversation.to_dict()

        most_expensive = []
        for most_expensive_item_data in self.most_expensive:
            most_expensive_item = most_expensive_item_data.to_dict()
            most_expensive.append(most_expensive_item)

        tools = []
        for tools_item_data in self.tools:
            tools_item = tools_item_data.to_dict()
            tools.append(tools_item)

        ai_resolutions = self.ai_resolutions

        human_handled = self.human_handled

        deflection_rate: None | str
        deflection_rate = self.deflection_rate

        deflection_by_day = []
        for deflection_by_day_item_data in self.deflection_by_day:
            deflection_by_day_item = deflection_by_day_item_data.to_dict()
            deflection_by_day.append(deflection_by_day_item)

        cost_per_ai_resolution_usd: None | str
        cost_per_ai_resolution_usd = self.cost_per_ai_resolution_usd

        models: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.models, Unset):
            models = []
            for models_item_data in self.models:
                models_item = models_item_data.to_dict()
                models.append(models_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "start": start,
                "end": end,
                "cost_per_conversation": cost_per_conversation,
                "most_expensive": most_expensive,
                "tools": tools,
                "ai_resolutions": ai_resolutions,
                "human_handled": human_handled,
                "deflection_rate": deflection_rate,
                "deflection_by_day": deflection_by_day,
                "cost_per_ai_resolution_usd": cost_per_ai_resolution_usd,
            }
        )
        if models is not UNSET:
            field_dict["models"] = models

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.cost_distribution import CostDistribution  # noqa: PLC0415
        from ..models.deflection_day import DeflectionDay  # noqa: PLC0415
        from ..models.expensive_conversation import ExpensiveConversation  # noqa: PLC0415
        from ..models.model_cost import ModelCost  # noqa: PLC0415
        from ..models.tool_cost import ToolCost  # noqa: PLC0415

        d = dict(src_dict)
        start = datetime.date.fromisoformat(d.pop("start"))

        end = datetime.date.fromisoformat(d.pop("end"))

        cost_per_conversation = CostDistribution.from_dict(d.pop("cost_per_conversation"))

        most_expensive = []
        _most_expensive = d.pop("most_expensive")
        for most_expensive_item_data in _most_expensive:
            most_expensive_item = ExpensiveConversation.from_dict(most_expensive_item_data)

            most_expensive.append(most_expensive_item)

        tools = []
        _tools = d.pop("tools")
        for tools_item_data in _tools:
            tools_item = ToolCost.from_dict(tools_item_data)

            tools.append(tools_item)

        ai_resolutions = d.pop("ai_resolutions")

        human_handled = d.pop("human_handled")

        def _parse_deflection_rate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        deflection_rate = _parse_deflection_rate(d.pop("deflection_rate"))

        deflection_by_day = []
        _deflection_by_day = d.pop("deflection_by_day")
        for deflection_by_day_item_data in _deflection_by_day:
            deflection_by_day_item = DeflectionDay.from_dict(deflection_by_day_item_data)

            deflection_by_day.append(deflection_by_day_item)

        def _parse_cost_per_ai_resolution_usd(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cost_per_ai_resolution_usd = _parse_cost_per_ai_resolution_usd(d.pop("cost_per_ai_resolution_usd"))

        _models = d.pop("models", UNSET)
        models: list[ModelCost] | Unset = UNSET
        if _models is not UNSET:
            models = []
            for models_item_data in _models:
                models_item = ModelCost.from_dict(models_item_data)

                models.append(models_item)

        cost_report = cls(
            start=start,
            end=end,
            cost_per_conversation=cost_per_conversation,
            most_expensive=most_expensive,
            tools=tools,
            ai_resolutions=ai_resolutions,
            human_handled=human_handled,
            deflection_rate=deflection_rate,
            deflection_by_day=deflection_by_day,
            cost_per_ai_resolution_usd=cost_per_ai_resolution_usd,
            models=models,
        )

        cost_report.additional_properties = d
        return cost_report

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
