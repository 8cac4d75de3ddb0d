from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.gate_request_suites_item_type_1 import GateRequestSuitesItemType1


T = TypeVar("T", bound="GateRequest")


@_attrs_define
class GateRequest:
    """Run the gate on the draft without publishing.

    Attributes:
        suites (list[GateRequestSuitesItemType1 | str] | Unset):
    """

    suites: list[GateRequestSuitesItemType1 | str] | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.gate_request_suites_item_type_1 import GateRequestSuitesItemType1  # noqa: PLC0415

        suites: list[dict[str, Any] | str] | Unset = UNSET
        if not isinstance(self.suites, Unset):
            suites = []
            for suites_item_data in self.suites:
                suites_item: dict[str, Any] | str
                if isinstance(suites_item_data, GateRequestSuitesItemType1):
                    suites_item = suites_item_data.to_dict()
                else:
                    suites_item = suites_item_data
                suites.append(suites_item)

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if suites is not UNSET:
            field_dict["suites"] = suites

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.gate_request_suites_item_type_1 import GateRequestSuitesItemType1  # noqa: PLC0415

        d = dict(src_dict)
        _suites = d.pop("suites", UNSET)
        suites: list[GateRequestSuitesItemType1 | str] | Unset = UNSET
        if _suites is not UNSET:
            suites = []
            for suites_item_data in _suites:

                def _parse_suites_item(data: object) -> GateRequestSuitesItemType1 | str:
                    try:
                        if not isinstance(data, dict):
                            raise TypeError()
                        suites_item_type_1 = GateRequestSuitesItemType1.from_dict(data)

                        return suites_item_type_1
                    except (TypeError, ValueError, AttributeError, KeyError):
                        pass
                    return cast(GateRequestSuitesItemType1 | str, data)

                suites_item = _parse_suites_item(suites_item_data)

                suites.append(suites_item)

        gate_request = cls(
            suites=suites,
        )

        return gate_request
