from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.http_server_mode import HttpServerMode
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.http_server_headers import HttpServerHeaders


T = TypeVar("T", bound="HttpServer")


@_attrs_define
class HttpServer:
    """A streamable-HTTP server; its host must resolve to public addresses unless the operator allows private ones
    (``DESKPILOT_MCP_ALLOW_PRIVATE``, else 403).

        Attributes:
            name (str): short id, part of every tool's name
            transport (Literal['http']):
            url (str):
            mode (HttpServerMode | Unset):  Default: HttpServerMode.LIVE.
            headers (HttpServerHeaders | Unset): e.g. Authorization; stored encrypted
    """

    name: str
    transport: Literal["http"]
    url: str
    mode: HttpServerMode | Unset = HttpServerMode.LIVE
    headers: HttpServerHeaders | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        transport = self.transport

        url = self.url

        mode: str | Unset = UNSET
        if not isinstance(self.mode, Unset):
            mode = self.mode.value

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "transport": transport,
                "url": url,
            }
        )
        if mode is not UNSET:
            field_dict["mode"] = mode
        if headers is not UNSET:
            field_dict["headers"] = headers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.http_server_headers import HttpServerHeaders  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        transport = cast(Literal["http"], d.pop("transport"))
        if transport != "http":
            raise ValueError(f"transport must match const 'http', got '{transport}'")

        url = d.pop("url")

        _mode = d.pop("mode", UNSET)
        mode: HttpServerMode | Unset
        if isinstance(_mode, Unset):
            mode = UNSET
        else:
            mode = HttpServerMode(_mode)

        _headers = d.pop("headers", UNSET)
        headers: HttpServerHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = HttpServerHeaders.from_dict(_headers)

        http_server = cls(
            name=name,
            transport=transport,
            url=url,
            mode=mode,
            headers=headers,
        )

        return http_server
