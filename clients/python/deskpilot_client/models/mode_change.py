from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.mode_change_mode import ModeChangeMode
from ..models.mode_change_reads import ModeChangeReads
from ..types import UNSET, Unset

T = TypeVar("T", bound="ModeChange")


@_attrs_define
class ModeChange:
    """
    Attributes:
        mode (ModeChangeMode): dry_run: read-only tools run, others are only described
        reads (ModeChangeReads | Unset): in dry_run: read-only tools run for real (live) or are simulated too Default:
            ModeChangeReads.LIVE.
    """

    mode: ModeChangeMode
    reads: ModeChangeReads | Unset = ModeChangeReads.LIVE

    def to_dict(self) -> dict[str, Any]:
        mode = self.mode.value

        reads: str | Unset = UNSET
        if not isinstance(self.reads, Unset):
            reads = self.reads.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "mode": mode,
            }
        )
        if reads is not UNSET:
            field_dict["reads"] = reads

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        mode = ModeChangeMode(d.pop("mode"))

        _reads = d.pop("reads", UNSET)
        reads: ModeChangeReads | Unset
        if isinstance(_reads, Unset):
            reads = UNSET
        else:
            reads = ModeChangeReads(_reads)

        mode_change = cls(
            mode=mode,
            reads=reads,
        )

        return mode_change
