from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.mcp_tool_info import McpToolInfo


T = TypeVar("T", bound="McpServerInfo")


@_attrs_define
class McpServerInfo:
    """
    Attributes:
        name (str):
        transport (str):
        status (str):
        mode (str):
        problem (None | str): why the server could not be reached or its tools listed, when registered or last
            refreshed: it offers no tools until it answers (refresh lists them again). null: it answered
        tools (list[McpToolInfo]):
    """

    name: str
    transport: str
    status: str
    mode: str
    problem: None | str
    tools: list[McpToolInfo]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        transport = self.transport

        status = self.status

        mode = self.mode

        problem: None | str
        problem = self.problem

        tools = []
        for tools_item_data in self.tools:
            tools_item = tools_item_data.to_dict()
            tools.append(tools_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "transport": transport,
                "status": status,
                "mode": mode,
                "problem": problem,
                "tools": tools,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.mcp_tool_info import McpToolInfo  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        transport = d.pop("transport")

        status = d.pop("status")

        mode = d.pop("mode")

        def _parse_problem(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        problem = _parse_problem(d.pop("problem"))

        tools = []
        _tools = d.pop("tools")
        for tools_item_data in _tools:
            tools_item = McpToolInfo.from_dict(tools_item_data)

            tools.append(tools_item)

        mcp_server_info = cls(
            name=name,
            transport=transport,
            status=status,
            mode=mode,
            problem=problem,
            tools=tools,
        )

        mcp_server_info.additional_properties = d
        return mcp_server_info

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
