from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.tool_spec_risk import ToolSpecRisk
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.tool_spec_annotations import ToolSpecAnnotations
    from ..models.tool_spec_input_schema import ToolSpecInputSchema


T = TypeVar("T", bound="ToolSpec")


@_attrs_define
class ToolSpec:
    """A tool the agent may call: name, description, JSON-schema input, risk class, and the owning service.

    Attributes:
        name (str):
        description (str):
        input_schema (ToolSpecInputSchema):
        service (str): the service that executes it and answers tool.requested for it
        risk (ToolSpecRisk | Unset):  Default: ToolSpecRisk.READ.
        integration (None | str | Unset):
        annotations (ToolSpecAnnotations | Unset): behaviour hints as the tool's source declares them, unchanged (MCP:
            readOnlyHint, destructiveHint, idempotentHint, openWorldHint, title)
    """

    name: str
    description: str
    input_schema: ToolSpecInputSchema
    service: str
    risk: ToolSpecRisk | Unset = ToolSpecRisk.READ
    integration: None | str | Unset = UNSET
    annotations: ToolSpecAnnotations | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description = self.description

        input_schema = self.input_schema.to_dict()

        service = self.service

        risk: str | Unset = UNSET
        if not isinstance(self.risk, Unset):
            risk = self.risk.value

        integration: None | str | Unset
        if isinstance(self.integration, Unset):
            integration = UNSET
        else:
            integration = self.integration

        annotations: dict[str, Any] | Unset = UNSET
        if not isinstance(self.annotations, Unset):
            annotations = self.annotations.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "description": description,
                "input_schema": input_schema,
                "service": service,
            }
        )
        if risk is not UNSET:
            field_dict["risk"] = risk
        if integration is not UNSET:
            field_dict["integration"] = integration
        if annotations is not UNSET:
            field_dict["annotations"] = annotations

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tool_spec_annotations import ToolSpecAnnotations  # noqa: PLC0415
        from ..models.tool_spec_input_schema import ToolSpecInputSchema  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description")

        input_schema = ToolSpecInputSchema.from_dict(d.pop("input_schema"))

        service = d.pop("service")

        _risk = d.pop("risk", UNSET)
        risk: ToolSpecRisk | Unset
        if isinstance(_risk, Unset):
            risk = UNSET
        else:
            risk = ToolSpecRisk(_risk)

        def _parse_integration(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        integration = _parse_integration(d.pop("integration", UNSET))

        _annotations = d.pop("annotations", UNSET)
        annotations: ToolSpecAnnotations | Unset
        if isinstance(_annotations, Unset):
            annotations = UNSET
        else:
            annotations = ToolSpecAnnotations.from_dict(_annotations)

        tool_spec = cls(
            name=name,
            description=description,
            input_schema=input_schema,
            service=service,
            risk=risk,
            integration=integration,
            annotations=annotations,
        )

        return tool_spec
