from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_action import ToolAction


T = TypeVar("T", bound="TurnActions")


@_attrs_define
class TurnActions:
    """
    Attributes:
        turn_id (str):
        message_index (int | None): which customer message opened it (0 = the first)
        customer_text (str | Unset):  Default: ''.
        provider (str | Unset):  Default: ''.
        model (str | Unset):  Default: ''.
        tools (list[ToolAction] | Unset):
        handoff (None | str | Unset): the handoff's reason, if the turn handed over
        limits (list[str] | Unset):
        refusal (bool | Unset):  Default: False.
        model_failed (None | str | Unset):
        replies (list[str] | Unset):
        cost_usd (str | Unset): A decimal number as a string (exact; money is in US dollars). Default: '0'.
        model_ms (float | Unset):  Default: 0.0.
        model_calls (int | Unset):  Default: 0.
        started_at (str | Unset):  Default: ''.
        duration_ms (float | Unset):  Default: 0.0.
    """

    turn_id: str
    message_index: int | None
    customer_text: str | Unset = ""
    provider: str | Unset = ""
    model: str | Unset = ""
    tools: list[ToolAction] | Unset = UNSET
    handoff: None | str | Unset = UNSET
    limits: list[str] | Unset = UNSET
    refusal: bool | Unset = False
    model_failed: None | str | Unset = UNSET
    replies: list[str] | Unset = UNSET
    cost_usd: str | Unset = "0"
    model_ms: float | Unset = 0.0
    model_calls: int | Unset = 0
    started_at: str | Unset = ""
    duration_ms: float | Unset = 0.0
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        turn_id = self.turn_id

        message_index: int | None
        message_index = self.message_index

        customer_text = self.customer_text

        provider = self.provider

        model = self.model

        tools: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.tools, Unset):
            tools = []
            for tools_item_data in self.tools:
                tools_item = tools_item_data.to_dict()
                tools.append(tools_item)

        handoff: None | str | Unset
        if isinstance(self.handoff, Unset):
            handoff = UNSET
        else:
            handoff = self.handoff

        limits: list[str] | Unset = UNSET
        if not isinstance(self.limits, Unset):
            limits = self.limits

        refusal = self.refusal

        model_failed: None | str | Unset
        if isinstance(self.model_failed, Unset):
            model_failed = UNSET
        else:
            model_failed = self.model_failed

        replies: list[str] | Unset = UNSET
        if not isinstance(self.replies, Unset):
            replies = self.replies

        cost_usd = self.cost_usd

        model_ms = self.model_ms

        model_calls = self.model_calls

        started_at = self.started_at

        duration_ms = self.duration_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "turn_id": turn_id,
                "message_index": message_index,
            }
        )
        if customer_text is not UNSET:
            field_dict["customer_text"] = customer_text
        if provider is not UNSET:
            field_dict["provider"] = provider
        if model is not UNSET:
            field_dict["model"] = model
        if tools is not UNSET:
            field_dict["tools"] = tools
        if handoff is not UNSET:
            field_dict["handoff"] = handoff
        if limits is not UNSET:
            field_dict["limits"] = limits
        if refusal is not UNSET:
            field_dict["refusal"] = refusal
        if model_failed is not UNSET:
            field_dict["model_failed"] = model_failed
        if replies is not UNSET:
            field_dict["replies"] = replies
        if cost_usd is not UNSET:
            field_dict["cost_usd"] = cost_usd
        if model_ms is not UNSET:
            field_dict["model_ms"] = model_ms
        if model_calls is not UNSET:
            field_dict["model_calls"] = model_calls
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if duration_ms is not UNSET:
            field_dict["duration_ms"] = duration_ms

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_action import ToolAction  # noqa: PLC0415

        d = dict(src_dict)
        turn_id = d.pop("turn_id")

        def _parse_message_index(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        message_index = _parse_message_index(d.pop("message_index"))

        customer_text = d.pop("customer_text", UNSET)

        provider = d.pop("provider", UNSET)

        model = d.pop("model", UNSET)

        _tools = d.pop("tools", UNSET)
        tools: list[ToolAction] | Unset = UNSET
        if _tools is not UNSET:
            tools = []
            for tools_item_data in _tools:
                tools_item = ToolAction.from_dict(tools_item_data)

                tools.append(tools_item)

        def _parse_handoff(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        handoff = _parse_handoff(d.pop("handoff", UNSET))

        limits = cast(list[str], d.pop("limits", UNSET))

        refusal = d.pop("refusal", UNSET)

        def _parse_model_failed(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model_failed = _parse_model_failed(d.pop("model_failed", UNSET))

        replies = cast(list[str], d.pop("replies", UNSET))

        cost_usd = d.pop("cost_usd", UNSET)

        model_ms = d.pop("model_ms", UNSET)

        model_calls = d.pop("model_calls", UNSET)

        started_at = d.pop("started_at", UNSET)

        duration_ms = d.pop("duration_ms", UNSET)

        turn_actions = cls(
            turn_id=turn_id,
            message_index=message_index,
            customer_text=customer_text,
            provider=provider,
            model=model,
            tools=tools,
            handoff=handoff,
            limits=limits,
            refusal=refusal,
            model_failed=model_failed,
            replies=replies,
            cost_usd=cost_usd,
            model_ms=model_ms,
            model_calls=model_calls,
            started_at=started_at,
            duration_ms=duration_ms,
        )

        turn_actions.additional_properties = d
        return turn_actions

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
