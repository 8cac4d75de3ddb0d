from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.connection_tested_outcome import ConnectionTestedOutcome

T = TypeVar("T", bound="ConnectionTested")


@_attrs_define
class ConnectionTested:
    """
    Attributes:
        integration (str):
        ok (bool):
        outcome (ConnectionTestedOutcome):
        detail (str):
        latency_ms (float):
        checked_at (datetime.datetime):
    """

    integration: str
    ok: bool
    outcome: ConnectionTestedOutcome
    detail: str
    latency_ms: float
    checked_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        integration = self.integration

        ok = self.ok

        outcome = self.outcome.value

        detail = self.detail

        latency_ms = self.latency_ms

        checked_at = self.checked_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "integration": integration,
                "ok": ok,
                "outcome": outcome,
                "detail": detail,
                "latency_ms": latency_ms,
                "checked_at": checked_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        integration = d.pop("integration")

        ok = d.pop("ok")

        outcome = ConnectionTestedOutcome(d.pop("outcome"))

        detail = d.pop("detail")

        latency_ms = d.pop("latency_ms")

        checked_at = datetime.datetime.fromisoformat(d.pop("checked_at"))

        connection_tested = cls(
            integration=integration,
            ok=ok,
            outcome=outcome,
            detail=detail,
            latency_ms=latency_ms,
            checked_at=checked_at,
        )

        connection_tested.additional_properties = d
        return connection_tested

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
