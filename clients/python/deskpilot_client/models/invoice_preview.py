from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.invoice_line import InvoiceLine


T = TypeVar("T", bound="InvoicePreview")


@_attrs_define
class InvoicePreview:
    """
    Attributes:
        month (str):
        plan (str):
        active_conversations (int):
        included_conversations (int | None):
        ai_resolutions (int):
        human_handled (int):
        deflection_rate (None | str):
        lines (list[InvoiceLine]):
        total_usd (str): A decimal number as a string (exact; money is in US dollars).
        cost_of_service_usd (str): A decimal number as a string (exact; money is in US dollars).
    """

    month: str
    plan: str
    active_conversations: int
    included_conversations: int | None
    ai_resolutions: int
    human_handled: int
    deflection_rate: None | str
    lines: list[InvoiceLine]
    total_usd: str
    cost_of_service_usd: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        month = self.month

        plan = self.plan

        active_conversations = self.active_conversations

        included_conversations: int | None
        included_conversations = self.included_conversations

        ai_resolutions = self.ai_resolutions

        human_handled = self.human_handled

        deflection_rate: None | str
        deflection_rate = self.deflection_rate

        lines = []
        for lines_item_data in self.lines:
            lines_item = lines_item_data.to_dict()
            lines.append(lines_item)

        total_usd = self.total_usd

        cost_of_service_usd = self.cost_of_service_usd

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "month": month,
                "plan": plan,
                "active_conversations": active_conversations,
                "included_conversations": included_conversations,
                "ai_resolutions": ai_resolutions,
                "human_handled": human_handled,
                "deflection_rate": deflection_rate,
                "lines": lines,
                "total_usd": total_usd,
                "cost_of_service_usd": cost_of_service_usd,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.invoice_line import InvoiceLine  # noqa: PLC0415

        d = dict(src_dict)
        month = d.pop("month")

        plan = d.pop("plan")

        active_conversations = d.pop("active_conversations")

        def _parse_included_conversations(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        included_conversations = _parse_included_conversations(d.pop("included_conversations"))

        ai_resolutions = d.pop("ai_resolutions")

        human_handled = d.pop("human_handled")

        def _parse_deflection_rate(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        deflection_rate = _parse_deflection_rate(d.pop("deflection_rate"))

        lines = []
        _lines = d.pop("lines")
        for lines_item_data in _lines:
            lines_item = InvoiceLine.from_dict(lines_item_data)

            lines.append(lines_item)

        total_usd = d.pop("total_usd")

        cost_of_service_usd = d.pop("cost_of_service_usd")

        invoice_preview = cls(
            month=month,
            plan=plan,
            active_conversations=active_conversations,
            included_conversations=included_conversations,
            ai_resolutions=ai_resolutions,
            human_handled=human_handled,
            deflection_rate=deflection_rate,
            lines=lines,
            total_usd=total_usd,
            cost_of_service_usd=cost_of_service_usd,
        )

        invoice_preview.additional_properties = d
        return invoice_preview

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
