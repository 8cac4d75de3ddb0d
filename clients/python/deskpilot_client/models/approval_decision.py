from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApprovalDecision")


@_attrs_define
class ApprovalDecision:
    """A human's decision on a tool call that waits for approval.

    Attributes:
        approved (bool):
        decided_by (str): who decided (an agent id or e-mail)
        note (str | Unset):  Default: ''.
    """

    approved: bool
    decided_by: str
    note: str | Unset = ""

    def to_dict(self) -> dict[str, Any]:
        approved = self.approved

        decided_by = self.decided_by

        note = self.note

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "approved": approved,
                "decided_by": decided_by,
            }
        )
        if note is not UNSET:
            field_dict["note"] = note

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        approved = d.pop("approved")

        decided_by = d.pop("decided_by")

        note = d.pop("note", UNSET)

        approval_decision = cls(
            approved=approved,
            decided_by=decided_by,
            note=note,
        )

        return approval_decision
