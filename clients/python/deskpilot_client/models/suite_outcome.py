from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="SuiteOutcome")


@_attrs_define
class SuiteOutcome:
    """
    Attributes:
        suite (str): the suite's own name (its `suite` field)
        passed (bool):
        pass_1 (float):
        failed_tasks (list[str]):
        stored_as (None | str | Unset): the tenant's stored suite it is (its name); none: given with the request
    """

    suite: str
    passed: bool
    pass_1: float
    failed_tasks: list[str]
    stored_as: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        suite = self.suite

        passed = self.passed

        pass_1 = self.pass_1

        failed_tasks = self.failed_tasks

        stored_as: None | str | Unset
        if isinstance(self.stored_as, Unset):
            stored_as = UNSET
        else:
            stored_as = self.stored_as

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "suite": suite,
                "passed": passed,
                "pass_1": pass_1,
                "failed_tasks": failed_tasks,
            }
        )
        if stored_as is not UNSET:
            field_dict["stored_as"] = stored_as

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        suite = d.pop("suite")

        passed = d.pop("passed")

        pass_1 = d.pop("pass_1")

        failed_tasks = cast(list[str], d.pop("failed_tasks"))

        def _parse_stored_as(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        stored_as = _parse_stored_as(d.pop("stored_as", UNSET))

        suite_outcome = cls(
            suite=suite,
            passed=passed,
            pass_1=pass_1,
            failed_tasks=failed_tasks,
            stored_as=stored_as,
        )

        suite_outcome.additional_properties = d
        return suite_outcome

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
