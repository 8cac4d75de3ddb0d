from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audit_entry_request import AuditEntryRequest
    from ..models.audit_entry_response import AuditEntryResponse


T = TypeVar("T", bound="AuditEntry")


@_attrs_define
class AuditEntry:
    """
    Attributes:
        conversation_id (str):
        end_user (None | str):
        integration (str):
        tool (str):
        tool_call_id (str):
        request (AuditEntryRequest):
        response (AuditEntryResponse):
        status (str):
        dry_run (bool):
        latency_ms (float):
        at (datetime.datetime):
    """

    conversation_id: str
    end_user: None | str
    integration: str
    tool: str
    tool_call_id: str
    request: AuditEntryRequest
    response: AuditEntryResponse
    status: str
    dry_run: bool
    latency_ms: float
    at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        conversation_id = self.conversation_id

        end_user: None | str
        end_user = self.end_user

        integration = self.integration

        tool = self.tool

        tool_call_id = self.tool_call_id

        request = self.request.to_dict()

        response = self.response.to_dict()

        status = self.status

        dry_run = self.dry_run

        latency_ms = self.latency_ms

        at = self.at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "conversation_id": conversation_id,
                "end_user": end_user,
                "integration": integration,
                "tool": tool,
                "tool_call_id": tool_call_id,
                "request": request,
                "response": response,
                "status": status,
                "dry_run": dry_run,
                "latency_ms": latency_ms,
                "at": at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audit_entry_request import AuditEntryRequest  # noqa: PLC0415
        from ..models.audit_entry_response import AuditEntryResponse  # noqa: PLC0415

        d = dict(src_dict)
        conversation_id = d.pop("conversation_id")

        def _parse_end_user(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        end_user = _parse_end_user(d.pop("end_user"))

        integration = d.pop("integration")

        tool = d.pop("tool")

        tool_call_id = d.pop("tool_call_id")

        request = AuditEntryRequest.from_dict(d.pop("request"))

        response = AuditEntryResponse.from_dict(d.pop("response"))

        status = d.pop("status")

        dry_run = d.pop("dry_run")

        latency_ms = d.pop("latency_ms")

        at = datetime.datetime.fromisoformat(d.pop("at"))

        audit_entry = cls(
            conversation_id=conversation_id,
            end_user=end_user,
            integration=integration,
            tool=tool,
            tool_call_id=tool_call_id,
            request=request,
            response=response,
            status=status,
            dry_run=dry_run,
            latency_ms=latency_ms,
            at=at,
        )

        audit_entry.additional_properties = d
        return audit_entry

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
