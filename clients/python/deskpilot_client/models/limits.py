from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="Limits")


@_attrs_define
class Limits:
    """Hard limits. Reaching one ends in a polite reply, an ``agent.limit_reached`` event and a handoff.

    Attributes:
        tool_calls_per_turn (int | Unset): tool calls in one turn Default: 8.
        tool_calls_per_conversation (int | Unset): tool calls in a conversation Default: 40.
        model_calls_per_turn (int | Unset): model calls in one turn Default: 8.
        tokens_per_conversation (int | Unset): input + output tokens, all calls Default: 400000.
        cost_per_conversation_usd (float | str | Unset): dollars, all calls Default: 2.0.
        turn_seconds (float | Unset): wall clock from turn start Default: 180.0.
        identical_tool_calls (int | Unset): same tool, same arguments, in one turn Default: 3.
        identical_tool_calls_per_conversation (int | Unset): same tool, same arguments, over the conversation (a
            customer may ask the same thing again) Default: 10.
        consecutive_tool_failures (int | Unset): failed tool calls in a row Default: 3.
    """

    tool_calls_per_turn: int | Unset = 8
    tool_calls_per_conversation: int | Unset = 40
    model_calls_per_turn: int | Unset = 8
    tokens_per_conversation: int | Unset = 400000
    cost_per_conversation_usd: float | str | Unset = 2.0
    turn_seconds: float | Unset = 180.0
    identical_tool_calls: int | Unset = 3
    identical_tool_calls_per_conversation: int | Unset = 10
    consecutive_tool_failures: int | Unset = 3

    def to_dict(self) -> dict[str, Any]:
        tool_calls_per_turn = self.tool_calls_per_turn

        tool_calls_per_conversation = self.tool_calls_per_conversation

        model_calls_per_turn = self.model_calls_per_turn

        tokens_per_conversation = self.tokens_per_conversation

        cost_per_conversation_usd: float | str | Unset
        if isinstance(self.cost_per_conversation_usd, Unset):
            cost_per_conversation_usd = UNSET
        else:
            cost_per_conversation_usd = self.cost_per_conversation_usd

        turn_seconds = self.turn_seconds

        identical_tool_calls = self.identical_tool_calls

        identical_tool_calls_per_conversation = self.identical_tool_calls_per_conversation

        consecutive_tool_failures = self.consecutive_tool_failures

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if tool_calls_per_turn is not UNSET:
            field_dict["tool_calls_per_turn"] = tool_calls_per_turn
        if tool_calls_per_conversation is not UNSET:
            field_dict["tool_calls_per_conversation"] = tool_calls_per_conversation
        if model_calls_per_turn is not UNSET:
            field_dict["model_calls_per_turn"] = model_calls_per_turn
        if tokens_per_conversation is not UNSET:
            field_dict["tokens_per_conversation"] = tokens_per_conversation
        if cost_per_conversation_usd is not UNSET:
            field_dict["cost_per_conversation_usd"] = cost_per_conversation_usd
        if turn_seconds is not UNSET:
            field_dict["turn_seconds"] = turn_seconds
        if identical_tool_calls is not UNSET:
            field_dict["identical_tool_calls"] = identical_tool_calls
        if identical_tool_calls_per_conversation is not UNSET:
            field_dict["identical_tool_calls_per_conversation"] = identical_tool_calls_per_conversation
        if consecutive_tool_failures is not UNSET:
            field_dict["consecutive_tool_failures"] = consecutive_tool_failures

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        tool_calls_per_turn = d.pop("tool_calls_per_turn", UNSET)

        tool_calls_per_conversation = d.pop("tool_calls_per_conversation", UNSET)

        model_calls_per_turn = d.pop("model_calls_per_turn", UNSET)

        tokens_per_conversation = d.pop("tokens_per_conversation", UNSET)

        def _parse_cost_per_conversation_usd(data: object) -> float | str | Unset:
            if isinstance(data, Unset):
                return data
            return cast(float | str | Unset, data)

        cost_per_conversation_usd = _parse_cost_per_conversation_usd(d.pop("cost_per_conversation_usd", UNSET))

        turn_seconds = d.pop("turn_seconds", UNSET)

        identical_tool_calls = d.pop("identical_tool_calls", UNSET)

        identical_tool_calls_per_conversation = d.pop("identical_tool_calls_per_conversation", UNSET)

        consecutive_tool_failures = d.pop("consecutive_tool_failures", UNSET)

        limits = cls(
            tool_calls_per_turn=tool_calls_per_turn,
            tool_calls_per_conversation=tool_calls_per_conversation,
            model_calls_per_turn=model_calls_per_turn,
            tokens_per_conversation=tokens_per_conversation,
            cost_per_conversation_usd=cost_per_conversation_usd,
            turn_seconds=turn_seconds,
            identical_tool_calls=identical_tool_calls,
            identical_tool_calls_per_conversation=identical_tool_calls_per_conversation,
            consecutive_tool_failures=consecutive_tool_failures,
        )

        return limits
