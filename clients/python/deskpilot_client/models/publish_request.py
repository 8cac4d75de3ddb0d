from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.publish_request_suites_item_type_1 import PublishRequestSuitesItemType1


T = TypeVar("T", bound="PublishRequest")


@_attrs_define
class PublishRequest:
    """Publish the draft as the next release, through the gate.

    Attributes:
        notes (str | Unset): what changed, in words Default: ''.
        suites (list[PublishRequestSuitesItemType1 | str] | Unset): simulation suites (YAML/JSON text or objects) the
            draft runs
        by (str | Unset): who does it (an agent id or e-mail), recorded Default: 'api'.
    """

    notes: str | Unset = ""
    suites: list[PublishRequestSuitesItemType1 | str] | Unset = UNSET
    by: str | Unset = "api"

    def to_dict(self) -> dict[str, Any]:
        from ..models.publish_request_suites_item_type_1 import PublishRequestSuitesItemType1  # noqa: PLC0415

        notes = self.notes

        suites: list[dict[str, Any] | str] | Unset = UNSET
        if not isinstance(self.suites, Unset):
            suites = []
            for suites_item_data in self.suites:
                suites_item: dict[str, Any] | str
                if isinstance(suites_item_data, PublishRequestSuitesItemType1):
                    suites_item = suites_item_data.to_dict()
                else:
                    suites_item = suites_item_data
                suites.append(suites_item)

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
        from ..models.publish_request_suites_item_type_1 import PublishRequestSuitesItemType1  # noqa: PLC0415

        d = dict(src_dict)
        notes = d.pop("notes", UNSET)

        _suites = d.pop("suites", UNSET)
        suites: list[PublishRequestSuitesItemType1 | str] | Unset = UNSET
        if _suites is not UNSET:
            suites = []
            for suites_item_data in _suites:

                def _parse_suites_item(data: object) -> PublishRequestSuitesItemType1 | str:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        suites_item_type_1 = PublishRequestSuitesItemType1.from_dict(data)

                        return suites_item_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(PublishRequestSuitesItemType1 | str, data)

                suites_item = _parse_suites_item(suites_item_data)

                suites.append(suites_item)

        by = d.pop("by", UNSET)

        publish_request = cls(
            notes=notes,
            suites=suites,
            by=by,
        )

        return publish_request
