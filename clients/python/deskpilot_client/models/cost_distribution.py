from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CostDistribution")


@_attrs_define
class CostDistribution:
    """
    Attributes:
        conversations (int):
        total_usd (str): A decimal number as a string (exact; money is in US dollars).
        mean_usd (None | str | Unset):
        p50_usd (None | str | Unset):
        p95_usd (None | str | Unset):
        p99_usd (None | str | Unset):
        max_usd (None | str | Unset):
    """

    conversations: int
    total_usd: str
    mean_usd: None | str | Unset = UNSET
    p50_usd: None | str | Unset = UNSET
    p95_usd: None | str | Unset = UNSET
    p99_usd: None | str | Unset = UNSET
    max_usd: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversations = self.conversations

        total_usd = self.total_usd

        mean_usd: None | str | Unset
        if isinstance(self.mean_usd, Unset):
            mean_usd = UNSET
        else:
            mean_usd = self.mean_usd

        p50_usd: None | str | Unset
        if isinstance(self.p50_usd, Unset):
            p50_usd = UNSET
        else:
            p50_usd = self.p50_usd

        p95_usd: None | str | Unset
        if isinstance(self.p95_usd, Unset):
            p95_usd = UNSET
        else:
            p95_usd = self.p95_usd

        p99_usd: None | str | Unset
        if isinstance(self.p99_usd, Unset):
            p99_usd = UNSET
        else:
            p99_usd = self.p99_usd

        max_usd: None | str | Unset
        if isinstance(self.max_usd, Unset):
            max_usd = UNSET
        else:
            max_usd = self.max_usd

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversations": conversations,
                "total_usd": total_usd,
            }
        )
        if mean_usd is not UNSET:
            field_dict["mean_usd"] = mean_usd
        if p50_usd is not UNSET:
            field_dict["p50_usd"] = p50_usd
        if p95_usd is not UNSET:
            field_dict["p95_usd"] = p95_usd
        if p99_usd is not UNSET:
            field_dict["p99_usd"] = p99_usd
        if max_usd is not UNSET:
            field_dict["max_usd"] = max_usd

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        conversations = d.pop("conversations")

        total_usd = d.pop("total_usd")

        def _parse_mean_usd(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        mean_usd = _parse_mean_usd(d.pop("mean_usd", UNSET))

        def _parse_p50_usd(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        p50_usd = _parse_p50_usd(d.pop("p50_usd", UNSET))

        def _parse_p95_usd(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        p95_usd = _parse_p95_usd(d.pop("p95_usd", UNSET))

        def _parse_p99_usd(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        p99_usd = _parse_p99_usd(d.pop("p99_usd", UNSET))

        def _parse_max_usd(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        max_usd = _parse_max_usd(d.pop("max_usd", UNSET))

        cost_distribution = cls(
            conversations=conversations,
            total_usd=total_usd,
            mean_usd=mean_usd,
            p50_usd=p50_usd,
            p95_usd=p95_usd,
            p99_usd=p99_usd,
            max_usd=max_usd,
        )

        cost_distribution.additional_properties = d
        return cost_distribution

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
