from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Sla")


@_attrs_define
class Sla:
    """
    Attributes:
        first_response_due_at (datetime.datetime):
        first_responded_at (datetime.datetime | None):
        first_response_breached_at (datetime.datetime | None):
        resolution_due_at (datetime.datetime):
        resolved_at (datetime.datetime | None):
        resolution_breached_at (datetime.datetime | None):
    """

    first_response_due_at: datetime.datetime
    first_responded_at: datetime.datetime | None
    first_response_breached_at: datetime.datetime | None
    resolution_due_at: datetime.datetime
    resolved_at: datetime.datetime | None
    resolution_breached_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        first_response_due_at = self.first_response_due_at.isoformat()

        first_responded_at: None | str
        if isinstance(self.first_responded_at, datetime.datetime):
            first_responded_at = self.first_responded_at.isoformat()
        else:
            first_responded_at = self.first_responded_at

        first_response_breached_at: None | str
        if isinstance(self.first_response_breached_at, datetime.datetime):
            first_response_breached_at = self.first_response_breached_at.isoformat()
        else:
            first_response_breached_at = self.first_response_breached_at

        resolution_due_at = self.resolution_due_at.isoformat()

        resolved_at: None | str
        if isinstance(self.resolved_at, datetime.datetime):
            resolved_at = self.resolved_at.isoformat()
        else:
            resolved_at = self.resolved_at

        resolution_breached_at: None | str
        if isinstance(self.resolution_breached_at, datetime.datetime):
            resolution_breached_at = self.resolution_breached_at.isoformat()
        else:
            resolution_breached_at = self.resolution_breached_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "first_response_due_at": first_response_due_at,
                "first_responded_at": first_responded_at,
                "first_response_breached_at": first_response_breached_at,
                "resolution_due_at": resolution_due_at,
                "resolved_at": resolved_at,
                "resolution_breached_at": resolution_breached_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        first_response_due_at = datetime.datetime.fromisoformat(d.pop("first_response_due_at"))

        def _parse_first_responded_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                first_responded_at_type_0 = datetime.datetime.fromisoformat(data)

                return first_responded_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        first_responded_at = _parse_first_responded_at(d.pop("first_responded_at"))

        def _parse_first_response_breached_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                first_response_breached_at_type_0 = datetime.datetime.fromisoformat(data)

                return first_response_breached_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        first_response_breached_at = _parse_first_response_breached_at(d.pop("first_response_breached_at"))

        resolution_due_at = datetime.datetime.fromisoformat(d.pop("resolution_due_at"))

        def _parse_resolved_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolved_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolved_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        resolved_at = _parse_resolved_at(d.pop("resolved_at"))

        def _parse_resolution_breached_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                resolution_breached_at_type_0 = datetime.datetime.fromisoformat(data)

                return resolution_breached_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        resolution_breached_at = _parse_resolution_breached_at(d.pop("resolution_breached_at"))

        sla = cls(
            first_response_due_at=first_response_due_at,
            first_responded_at=first_responded_at,
            first_response_breached_at=first_response_breached_at,
            resolution_due_at=resolution_due_at,
            resolved_at=resolved_at,
            resolution_breached_at=resolution_breached_at,
        )

        sla.additional_properties = d
        return sla

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
