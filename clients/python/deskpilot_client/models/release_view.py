from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.release_view_role import ReleaseViewRole
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.gate_report import GateReport
    from ..models.release_config import ReleaseConfig
    from ..models.release_figures import ReleaseFigures


T = TypeVar("T", bound="ReleaseView")


@_attrs_define
class ReleaseView:
    """
    Attributes:
        number (int):
        notes (str):
        published_by (str):
        published_at (datetime.datetime):
        role (ReleaseViewRole): what the release serves of new conversations
        share (str): % of new conversations it takes
        gate (GateReport | None):
        config (ReleaseConfig):
        figures (None | ReleaseFigures | Unset): what its conversations came to so far
    """

    number: int
    notes: str
    published_by: str
    published_at: datetime.datetime
    role: ReleaseViewRole
    share: str
    gate: GateReport | None
    config: ReleaseConfig
    figures: None | ReleaseFigures | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.gate_report import GateReport  # noqa: PLC0415
        from ..models.release_figures import ReleaseFigures  # noqa: PLC0415

        number = self.number

        notes = self.notes

        published_by = self.published_by

        published_at = self.published_at.isoformat()

        role = self.role.value

        share = self.share

        gate: dict[str, Any] | None
        if isinstance(self.gate, GateReport):
            gate = self.gate.to_dict()
        else:
            gate = self.gate

        config = self.config.to_dict()

        figures: dict[str, Any] | None | Unset
        if isinstance(self.figures, Unset):
            figures = UNSET
        elif isinstance(self.figures, ReleaseFigures):
            figures = self.figures.to_dict()
        else:
            figures = self.figures

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "number": number,
                "notes": notes,
                "published_by": published_by,
                "published_at": published_at,
                "role": role,
                "share": share,
                "gate": gate,
                "config": config,
            }
        )
        if figures is not UNSET:
            field_dict["figures"] = figures

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.gate_report import GateReport  # noqa: PLC0415
        from ..models.release_config import ReleaseConfig  # noqa: PLC0415
        from ..models.release_figures import ReleaseFigures  # noqa: PLC0415

        d = dict(src_dict)
        number = d.pop("number")

        notes = d.pop("notes")

        published_by = d.pop("published_by")

        published_at = datetime.datetime.fromisoformat(d.pop("published_at"))

        role = ReleaseViewRole(d.pop("role"))

        share = d.pop("share")

        def _parse_gate(data: object) -> GateReport | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                gate_type_0 = GateReport.from_dict(data)

                return gate_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(GateReport | None, data)

        gate = _parse_gate(d.pop("gate"))

        config = ReleaseConfig.from_dict(d.pop("config"))

        def _parse_figures(data: object) -> None | ReleaseFigures | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                figures_type_0 = ReleaseFigures.from_dict(data)

                return figures_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReleaseFigures | Unset, data)

        figures = _parse_figures(d.pop("figures", UNSET))

        release_view = cls(
            number=number,
            notes=notes,
            published_by=published_by,
            published_at=published_at,
            role=role,
            share=share,
            gate=gate,
            config=config,
            figures=figures,
        )

        release_view.additional_properties = d
        return release_view

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
