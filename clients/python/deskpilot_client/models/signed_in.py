from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.human_agent import HumanAgent


T = TypeVar("T", bound="SignedIn")


@_attrs_define
class SignedIn:
    """
    Attributes:
        session_key (str): shown once: send it as 'Authorization: Bearer <key>' until expires_at
        key_id (str):
        expires_at (datetime.datetime):
        tenant_id (str):
        agent (HumanAgent):
    """

    session_key: str
    key_id: str
    expires_at: datetime.datetime
    tenant_id: str
    agent: HumanAgent
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        session_key = self.session_key

        key_id = self.key_id

        expires_at = self.expires_at.isoformat()

        tenant_id = self.tenant_id

        agent = self.agent.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "session_key": session_key,
                "key_id": key_id,
                "expires_at": expires_at,
                "tenant_id": tenant_id,
                "agent": agent,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.human_agent import HumanAgent  # noqa: PLC0415

        d = dict(src_dict)
        session_key = d.pop("session_key")

        key_id = d.pop("key_id")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        tenant_id = d.pop("tenant_id")

        agent = HumanAgent.from_dict(d.pop("agent"))

        signed_in = cls(
            session_key=session_key,
            key_id=key_id,
            expires_at=expires_at,
            tenant_id=tenant_id,
            agent=agent,
        )

        signed_in.additional_properties = d
        return signed_in

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
