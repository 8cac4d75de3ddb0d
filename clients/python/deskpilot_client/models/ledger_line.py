from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="LedgerLine")


@_attrs_define
class LedgerLine:
    """
    Attributes:
        event_id (str):
        kind (str):
        turn_id (None | str):
        provider (None | str):
        model (None | str):
        tool (None | str):
        outcome (None | str):
        error_kind (None | str):
        discarded (bool):
        input_tokens (int):
        output_tokens (int):
        cache_read_tokens (int):
        cache_write_tokens (int):
        cost_usd (str): A decimal number as a string (exact; money is in US dollars).
        priced_from (str):
        occurred_at (datetime.datetime):
    """

    event_id: str
    kind: str
    turn_id: None | str
    provider: None | str
    model: None | str
    tool: None | str
    outcome: None | str
    error_kind: None | str
    discarded: bool
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: str
    priced_from: str
    occurred_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        event_id = self.event_id

        kind = self.kind

        turn_id: None | str
        turn_id = self.turn_id

        provider: None | str
        provider = self.provider

        model: None | str
        model = self.model

        tool: None | str
        tool = self.tool

        outcome: None | str
        outcome = self.outcome

        error_kind: None | str
        error_kind = self.error_kind

        discarded = self.discarded

        input_tokens = self.input_tokens

        output_tokens = self.output_tokens

        cache_read_tokens = self.cache_read_tokens

        cache_write_tokens = self.cache_write_tokens

        cost_usd = self.cost_usd

        priced_from = self.priced_from

        occurred_at = self.occurred_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "event_id": event_id,
                "kind": kind,
                "turn_id": turn_id,
                "provider": provider,
                "model": model,
                "tool": tool,
                "outcome": outcome,
                "error_kind": error_kind,
                "discarded": discarded,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "cache_read_tokens": cache_read_tokens,
                "cache_write_tokens": cache_write_tokens,
                "cost_usd": cost_usd,
                "priced_from": priced_from,
                "occurred_at": occurred_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event_id = d.pop("event_id")

        kind = d.pop("kind")

        def _parse_turn_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        turn_id = _parse_turn_id(d.pop("turn_id"))

        def _parse_provider(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        provider = _parse_provider(d.pop("provider"))

        def _parse_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model = _parse_model(d.pop("model"))

        def _parse_tool(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        tool = _parse_tool(d.pop("tool"))

        def _parse_outcome(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        outcome = _parse_outcome(d.pop("outcome"))

        def _parse_error_kind(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_kind = _parse_error_kind(d.pop("error_kind"))

        discarded = d.pop("discarded")

        input_tokens = d.pop("input_tokens")

        output_tokens = d.pop("output_tokens")

        cache_read_tokens = d.pop("cache_read_tokens")

        cache_write_tokens = d.pop("cache_write_tokens")

        cost_usd = d.pop("cost_usd")

        priced_from = d.pop("priced_from")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        ledger_line = cls(
            event_id=event_id,
            kind=kind,
            turn_id=turn_id,
            provider=provider,
            model=model,
            tool=tool,
            outcome=outcome,
            error_kind=error_kind,
            discarded=discarded,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens,
            cost_usd=cost_usd,
            priced_from=priced_from,
            occurred_at=occurred_at,
        )

        ledger_line.additional_properties = d
        return ledger_line

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
