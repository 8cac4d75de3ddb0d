from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ReplaySummary")


@_attrs_define
class ReplaySummary:
    """
    Attributes:
        conversations (int):
        replayed (int):
        failed (int):
        identical_actions_pct (float): % of replayed conversations whose actions are all the same
        write_difference_pct (float): % of replayed conversations with any write action different
        recorded_cost_usd (str): A decimal number as a string (exact; money is in US dollars).
        candidate_cost_usd (str): A decimal number as a string (exact; money is in US dollars).
        cost_delta_usd (str): candidate - recorded
        mean_reply_similarity (float | None):
        recorded_model_ms (float):
        candidate_model_ms (float):
    """

    conversations: int
    replayed: int
    failed: int
    identical_actions_pct: float
    write_difference_pct: float
    recorded_cost_usd: str
    candidate_cost_usd: str
    cost_delta_usd: str
    mean_reply_similarity: float | None
    recorded_model_ms: float
    candidate_model_ms: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversations = self.conversations

        replayed = self.replayed

        failed = self.failed

        identical_actions_pct = self.identical_actions_pct

        write_difference_pct = self.write_difference_pct

        recorded_cost_usd = self.recorded_cost_usd

        candidate_cost_usd = self.candidate_cost_usd

        cost_delta_usd = self.cost_delta_usd

        mean_reply_similarity: float | None
        mean_reply_similarity = self.mean_reply_similarity

        recorded_model_ms = self.recorded_model_ms

        candidate_model_ms = self.candidate_model_ms

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversations": conversations,
                "replayed": replayed,
                "failed": failed,
                "identical_actions_pct": identical_actions_pct,
                "write_difference_pct": write_difference_pct,
                "recorded_cost_usd": recorded_cost_usd,
                "candidate_cost_usd": candidate_cost_usd,
                "cost_delta_usd": cost_delta_usd,
                "mean_reply_similarity": mean_reply_similarity,
                "recorded_model_ms": recorded_model_ms,
                "candidate_model_ms": candidate_model_ms,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        conversations = d.pop("conversations")

        replayed = d.pop("replayed")

        failed = d.pop("failed")

        identical_actions_pct = d.pop("identical_actions_pct")

        write_difference_pct = d.pop("write_difference_pct")

        recorded_cost_usd = d.pop("recorded_cost_usd")

        candidate_cost_usd = d.pop("candidate_cost_usd")

        cost_delta_usd = d.pop("cost_delta_usd")

        def _parse_mean_reply_similarity(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        mean_reply_similarity = _parse_mean_reply_similarity(d.pop("mean_reply_similarity"))

        recorded_model_ms = d.pop("recorded_model_ms")

        candidate_model_ms = d.pop("candidate_model_ms")

        replay_summary = cls(
            conversations=conversations,
            replayed=replayed,
            failed=failed,
            identical_actions_pct=identical_actions_pct,
            write_difference_pct=write_difference_pct,
            recorded_cost_usd=recorded_cost_usd,
            candidate_cost_usd=candidate_cost_usd,
            cost_delta_usd=cost_delta_usd,
            mean_reply_similarity=mean_reply_similarity,
            recorded_model_ms=recorded_model_ms,
            candidate_model_ms=candidate_model_ms,
        )

        replay_summary.additional_properties = d
        return replay_summary

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
