from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.catalog_tool_annotations import CatalogToolAnnotations
    from ..models.catalog_tool_input_schema import CatalogToolInputSchema


T = TypeVar("T", bound="CatalogTool")


@_attrs_define
class CatalogTool:
    """
    Attributes:
        name (str):
        description (str):
        service (str):
        risk (str):
        input_schema (CatalogToolInputSchema):
        annotations (CatalogToolAnnotations | Unset):
    """

    name: str
    description: str
    service: str
    risk: str
    input_schema: CatalogToolInputSchema
    annotations: CatalogToolAnnotations | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description = self.description

        service = self.service

        risk = self.risk

        input_schema = self.input_schema.to_dict()

        annotations: dict[str, Any] | Unset = UNSET
        if not isinstance(self.annotations, Unset):
            annotations = self.annotations.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "description": description,
                "service": service,
                "risk": risk,
                "input_schema": input_schema,
            }
        )
        if annotations is not UNSET:
            field_dict["annotations"] = annotations

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.catalog_tool_annotations import CatalogToolAnnotations  # noqa: PLC0415
        from ..models.catalog_tool_input_schema import CatalogToolInputSchema  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description")

        service = d.pop("service")

        risk = d.pop("risk")

        input_schema = CatalogToolInputSchema.from_dict(d.pop("input_schema"))

        _annotations = d.pop("annotations", UNSET)
        annotations: CatalogToolAnnotations | Unset
        if isinstance(_annotations, Unset):
            annotations = UNSET
        else:
            annotations = CatalogToolAnnotations.from_dict(_annotations)

        catalog_tool = cls(
            name=name,
            description=description,
            service=service,
            risk=risk,
            input_schema=input_schema,
            annotations=annotations,
        )

        catalog_tool.additional_properties = d
        return catalog_tool

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
