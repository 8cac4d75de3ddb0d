from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PublishRequest")


@_attrs_define
class PublishRequest:
    """Publish the draft as the next release, through the gate.

    Attributes:
        notes (str | Unset): what changed, in words Default: ''.
        suites (list[str] | Unset): simulation suites (YAML or JSON text) the draft runs
        by (str | Unset): who does it (an agent id or e-mail), recorded Default: 'api'.
    """

    notes: str | Unset = ""
    suites: list[str] | Unset = UNSET
    by: str | Unset = "api"

    def to_dict(self) -> dict[str, Any]:
        notes = self.notes

        suites: list[str] | Unset = UNSET
        if not isinstance(self.suites, Unset):
            suites = self.suites

        by = self.by

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if notes is not UNSET:
            field_dict["notes"] = notes
        if suites is not UNSET:
            field_dict["suites"] = suites
        if by is not UNSET:
            field_dict["by"] = by

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        notes = d.pop("notes", UNSET)

        suites = cast(list[str], d.pop("suites", UNSET))

        by = d.pop("by", UNSET)

        publish_request = cls(
            notes=notes,
            suites=suites,
            by=by,
        )

        return publish_request
