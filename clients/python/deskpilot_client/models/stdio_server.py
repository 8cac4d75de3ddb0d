from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.stdio_server_mode import StdioServerMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.stdio_server_env import StdioServerEnv


T = TypeVar("T", bound="StdioServer")


@_attrs_define
class StdioServer:
    """A command the platform runs (one the operator allows: ``DESKPILOT_MCP_STDIO_COMMANDS``, else 403).

    Attributes:
        name (str): short id, part of every tool's name
        transport (Literal['stdio']):
        command (str):
        mode (StdioServerMode | Unset):  Default: StdioServerMode.LIVE.
        args (list[str] | Unset):
        env (StdioServerEnv | Unset): stored encrypted; no loader or interpreter settings (PATH, PYTHONPATH, LD_…, …)
    """

    name: str
    transport: Literal["stdio"]
    command: str
    mode: StdioServerMode | Unset = StdioServerMode.LIVE
    args: list[str] | Unset = UNSET
    env: StdioServerEnv | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        transport = self.transport

        command = self.command

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        args: list[str] | Unset = UNSET
        if not isinstance(self.args, Unset):
            args = self.args

        env: dict[str, Any] | Unset = UNSET
        if not isinstance(self.env, Unset):
            env = self.env.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "transport": transport,
                "command": command,
            }
        )
        if mode is not UNSET:
            field_dict["mode"] = mode
        if args is not UNSET:
            field_dict["args"] = args
        if env is not UNSET:
            field_dict["env"] = env

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stdio_server_env import StdioServerEnv  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        transport = cast(Literal["stdio"], d.pop("transport"))
        if transport != "stdio":
            raise ValueError(f"transport must match const 'stdio', got '{transport}'")

        command = d.pop("command")

        _mode = d.pop("mode", UNSET)
        mode: StdioServerMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = StdioServerMode(_mode)

        args = cast(list[str], d.pop("args", UNSET))

        _env = d.pop("env", UNSET)
        env: StdioServerEnv | Unset
        if isinstance(_env, Unset):
            env = UNSET
        else:
            env = StdioServerEnv.from_dict(_env)

        stdio_server = cls(
            name=name,
            transport=transport,
            command=command,
            mode=mode,
            args=args,
            env=env,
        )

        return stdio_server
