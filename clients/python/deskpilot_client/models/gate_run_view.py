from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.gate_run_view_status import GateRunViewStatus

if TYPE_CHECKING:
    from ..models.gate_progress import GateProgress
    from ..models.gate_report import GateReport
    from ..models.release_config import ReleaseConfig
    from ..models.release_view import ReleaseView


T = TypeVar("T", bound="GateRunView")


@_attrs_define
class GateRunView:
    """
    Attributes:
        id (str):
        url (str): where to follow it: GET this until status is passed, blocked or failed
        status (GateRunViewStatus):
        publish (bool): a passing gate publishes the draft it ran on
        notes (str):
        by (str):
        progress (GateProgress):
        draft (ReleaseConfig):
        gate (GateReport | None): the gate's report, once it has one
        reasons (list[str]): why the gate blocks (empty unless blocked)
        release (None | ReleaseView): the release this run published, once it has
        error (None | str):
        created_at (datetime.datetime):
        finished_at (datetime.datetime | None):
    """

    id: str
    url: str
    status: GateRunViewStatus
    publish: bool
    notes: str
    by: str
    progress: GateProgress
    draft: ReleaseConfig
    gate: GateReport | None
    reasons: list[str]
    release: None | ReleaseView
    error: None | str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.gate_report import GateReport  # noqa: PLC0415
        from ..models.release_view import ReleaseView  # noqa: PLC0415

        id = self.id

        url = self.url

        status = self.status.value

        publish = self.publish

        notes = self.notes

        by = self.by

        progress = self.progress.to_dict()

        draft = self.draft.to_dict()

        gate: dict[str, Any] | None
        if isinstance(self.gate, GateReport):
            gate = self.gate.to_dict()
        else:
            gate = self.gate

        reasons = self.reasons

        release: dict[str, Any] | None
        if isinstance(self.release, ReleaseView):
            release = self.release.to_dict()
        else:
            release = self.release

        error: None | str
        error = self.error

        created_at = self.created_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "url": url,
                "status": status,
                "publish": publish,
                "notes": notes,
                "by": by,
                "progress": progress,
                "draft": draft,
                "gate": gate,
                "reasons": reasons,
                "release": release,
                "error": error,
                "created_at": created_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.gate_progress import GateProgress  # noqa: PLC0415
        from ..models.gate_report import GateReport  # noqa: PLC0415
        from ..models.release_config import ReleaseConfig  # noqa: PLC0415
        from ..models.release_view import ReleaseView  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        url = d.pop("url")

        status = GateRunViewStatus(d.pop("status"))

        publish = d.pop("publish")

        notes = d.pop("notes")

        by = d.pop("by")

        progress = GateProgress.from_dict(d.pop("progress"))

        draft = ReleaseConfig.from_dict(d.pop("draft"))

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

        reasons = cast(list[str], d.pop("reasons"))

        def _parse_release(data: object) -> None | ReleaseView:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                release_type_0 = ReleaseView.from_dict(data)

                return release_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReleaseView, data)

        release = _parse_release(d.pop("release"))

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        gate_run_view = cls(
            id=id,
            url=url,
            status=status,
            publish=publish,
            notes=notes,
            by=by,
            progress=progress,
            draft=draft,
            gate=gate,
            reasons=reasons,
            release=release,
            error=error,
            created_at=created_at,
            finished_at=finished_at,
        )

        gate_run_view.additional_properties = d
        return gate_run_view

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
