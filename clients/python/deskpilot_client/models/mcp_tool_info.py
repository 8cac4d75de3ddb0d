from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.mcp_tool_info_annotations import McpToolInfoAnnotations
    from ..models.mcp_tool_info_input_schema import McpToolInfoInputSchema


T = TypeVar("T", bound="McpToolInfo")


@_attrs_define
class McpToolInfo:
    """
    Attributes:
        name (str): the name the agent sees (provider-safe)
        server_tool (str): the tool's name on the MCP server
        description (str):
        input_schema (McpToolInfoInputSchema):
        annotations (McpToolInfoAnnotations):
    """

    name: str
    server_tool: str
    description: str
    input_schema: McpToolInfoInputSchema
    annotations: McpToolInfoAnnotations
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        server_tool = self.server_tool

        description = self.description

        input_schema = self.input_schema.to_dict()

        annotations = self.annotations.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "server_tool": server_tool,
                "description": description,
                "input_schema": input_schema,
                "annotations": annotations,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mcp_tool_info_annotations import McpToolInfoAnnotations  # noqa: PLC0415
        from ..models.mcp_tool_info_input_schema import McpToolInfoInputSchema  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        server_tool = d.pop("server_tool")

        description = d.pop("description")

        input_schema = McpToolInfoInputSchema.from_dict(d.pop("input_schema"))

        annotations = McpToolInfoAnnotations.from_dict(d.pop("annotations"))

        mcp_tool_info = cls(
            name=name,
            server_tool=server_tool,
            description=description,
            input_schema=input_schema,
            annotations=annotations,
        )

        mcp_tool_info.additional_properties = d
        return mcp_tool_info

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
