from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StoredSuiteSummary")


@_attrs_define
class StoredSuiteSummary:
    """
    Attributes:
        name (str): the name it is stored under (the path's)
        suite (str): the suite's own name (its `suite` field), as reports name it
        description (str):
        tasks (int): how many tasks it has
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    name: str
    suite: str
    description: str
    tasks: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        suite = self.suite

        description = self.description

        tasks = self.tasks

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "suite": suite,
                "description": description,
                "tasks": tasks,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        suite = d.pop("suite")

        description = d.pop("description")

        tasks = d.pop("tasks")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        stored_suite_summary = cls(
            name=name,
            suite=suite,
            description=description,
            tasks=tasks,
            created_at=created_at,
            updated_at=updated_at,
        )

        stored_suite_summary.additional_properties = d
        return stored_suite_summary

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
