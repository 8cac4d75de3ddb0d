from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.mcp_server_registration_mode import McpServerRegistrationMode
from ..models.mcp_server_registration_transport import McpServerRegistrationTransport
from ..types import UNSET, Unset

T = TypeVar("T", bound="McpServerRegistration")


@_attrs_define
class McpServerRegistration:
    """
    Attributes:
        name (str): short id, part of every tool's name
        transport (McpServerRegistrationTransport):
        command (None | str | Unset):
        args (list[str] | Unset):
        env (list[str] | Unset):
        url (None | str | Unset):
        headers (list[str] | Unset):
        mode (McpServerRegistrationMode | Unset):  Default: McpServerRegistrationMode.LIVE.
    """

    name: str
    transport: McpServerRegistrationTransport
    command: None | str | Unset = UNSET
    args: list[str] | Unset = UNSET
    env: list[str] | Unset = UNSET
    url: None | str | Unset = UNSET
    headers: list[str] | Unset = UNSET
    mode: McpServerRegistrationMode | Unset = McpServerRegistrationMode.LIVE

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        transport = self.transport.value

        command: None | str | Unset
        if isinstance(self.command, Unset):
            command = UNSET
        else:
            command = self.command

        args: list[str] | Unset = UNSET
        if not isinstance(self.args, Unset):
            args = self.args

        env: list[str] | Unset = UNSET
        if not isinstance(self.env, Unset):
            env = []
            for env_item_data in self.env:
                env_item: str
                env_item = env_item_data
                env.append(env_item)

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        headers: list[str] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = []
            for headers_item_data in self.headers:
                headers_item: str
                headers_item = headers_item_data
                headers.append(headers_item)

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "transport": transport,
            }
        )
        if command is not UNSET:
            field_dict["command"] = command
        if args is not UNSET:
            field_dict["args"] = args
        if env is not UNSET:
            field_dict["env"] = env
        if url is not UNSET:
            field_dict["url"] = url
        if headers is not UNSET:
            field_dict["headers"] = headers
        if mode is not UNSET:
            field_dict["mode"] = mode

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        transport = McpServerRegistrationTransport(d.pop("transport"))

        def _parse_command(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        command = _parse_command(d.pop("command", UNSET))

        args = cast(list[str], d.pop("args", UNSET))

        _env = d.pop("env", UNSET)
        env: list[str] | Unset = UNSET
        if _env is not UNSET:
            env = []
            for env_item_data in _env:

                def _parse_env_item(data: object) -> str:
                    return cast(str, data)

                env_item = _parse_env_item(env_item_data)

                env.append(env_item)

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: list[str] | Unset = UNSET
        if _headers is not UNSET:
            headers = []
            for headers_item_data in _headers:

                def _parse_headers_item(data: object) -> str:
                    return cast(str, data)

                headers_item = _parse_headers_item(headers_item_data)

                headers.append(headers_item)

        _mode = d.pop("mode", UNSET)
        mode: McpServerRegistrationMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = McpServerRegistrationMode(_mode)

        mcp_server_registration = cls(
            name=name,
            transport=transport,
            command=command,
            args=args,
            env=env,
            url=url,
            headers=headers,
            mode=mode,
        )

        return mcp_server_registration
