from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.mcp_server_registration_mode import McpServerRegistrationMode
from ..models.mcp_server_registration_transport import McpServerRegistrationTransport
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.mcp_server_registration_env import McpServerRegistrationEnv
    from ..models.mcp_server_registration_headers import McpServerRegistrationHeaders


T = TypeVar("T", bound="McpServerRegistration")


@_attrs_define
class McpServerRegistration:
    """An MCP server a tenant connects: a stdio ``command`` (+ ``args``, ``env``) or a streamable-HTTP ``url``
    (+ ``headers``, e.g. ``Authorization``). ``env`` and ``headers`` are stored encrypted.

        Attributes:
            name (str): short id, part of every tool's name
            transport (McpServerRegistrationTransport):
            command (None | str | Unset):
            args (list[str] | Unset):
            env (McpServerRegistrationEnv | Unset):
            url (None | str | Unset):
            headers (McpServerRegistrationHeaders | Unset):
            mode (McpServerRegistrationMode | Unset):  Default: McpServerRegistrationMode.LIVE.
    """

    name: str
    transport: McpServerRegistrationTransport
    command: None | str | Unset = UNSET
    args: list[str] | Unset = UNSET
    env: McpServerRegistrationEnv | Unset = UNSET
    url: None | str | Unset = UNSET
    headers: McpServerRegistrationHeaders | Unset = UNSET
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

        env: dict[str, Any] | Unset = UNSET
        if not isinstance(self.env, Unset):
            env = self.env.to_dict()

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

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
        from ..models.mcp_server_registration_env import McpServerRegistrationEnv  # noqa: PLC0415
        from ..models.mcp_server_registration_headers import McpServerRegistrationHeaders  # noqa: PLC0415

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
        env: McpServerRegistrationEnv | Unset
        if isinstance(_env, Unset):
            env = UNSET
        else:
            env = McpServerRegistrationEnv.from_dict(_env)

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: McpServerRegistrationHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = McpServerRegistrationHeaders.from_dict(_headers)

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
