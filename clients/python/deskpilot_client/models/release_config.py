from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_policy import AgentPolicy
    from ..models.knowledge_scope import KnowledgeScope
    from ..models.release_config_procedures_item import ReleaseConfigProceduresItem
    from ..models.tool_changes import ToolChanges


T = TypeVar("T", bound="ReleaseConfig")


@_attrs_define
class ReleaseConfig:
    """
    Attributes:
        provider (str): the model provider the agent service ran when this was drafted
        model (str): the model the agent service ran when this was drafted
        policy (AgentPolicy | Unset): Everything a tenant decides about its agent.
        procedures (list[ReleaseConfigProceduresItem] | Unset): procedure documents, as validated
        tools (ToolChanges | Unset): Changes to the tool catalog the agent sees.
        knowledge (KnowledgeScope | Unset): The knowledge collections the agent may search and read: its knowledge tool
            calls carry them and the
            knowledge service answers from nothing else.
    """

    provider: str
    model: str
    policy: AgentPolicy | Unset = UNSET
    procedures: list[ReleaseConfigProceduresItem] | Unset = UNSET
    tools: ToolChanges | Unset = UNSET
    knowledge: KnowledgeScope | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        model = self.model

        policy: dict[str, Any] | Unset = UNSET
        if not isinstance(self.policy, Unset):
            policy = self.policy.to_dict()

        procedures: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.procedures, Unset):
            procedures = []
            for procedures_item_data in self.procedures:
                procedures_item = procedures_item_data.to_dict()
                procedures.append(procedures_item)

        tools: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tools, Unset):
            tools = self.tools.to_dict()

        knowledge: dict[str, Any] | Unset = UNSET
        if not isinstance(self.knowledge, Unset):
            knowledge = self.knowledge.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider": provider,
                "model": model,
            }
        )
        if policy is not UNSET:
            field_dict["policy"] = policy
        if procedures is not UNSET:
            field_dict["procedures"] = procedures
        if tools is not UNSET:
            field_dict["tools"] = tools
        if knowledge is not UNSET:
            field_dict["knowledge"] = knowledge

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.agent_policy import AgentPolicy  # noqa: PLC0415
        from ..models.knowledge_scope import KnowledgeScope  # noqa: PLC0415
        from ..models.release_config_procedures_item import ReleaseConfigProceduresItem  # noqa: PLC0415
        from ..models.tool_changes import ToolChanges  # noqa: PLC0415

        d = dict(src_dict)
        provider = d.pop("provider")

        model = d.pop("model")

        _policy = d.pop("policy", UNSET)
        policy: AgentPolicy | Unset
        if isinstance(_policy, Unset):
            policy = UNSET
        else:
            policy = AgentPolicy.from_dict(_policy)

        _procedures = d.pop("procedures", UNSET)
        procedures: list[ReleaseConfigProceduresItem] | Unset = UNSET
        if _procedures is not UNSET:
            procedures = []
            for procedures_item_data in _procedures:
                procedures_item = ReleaseConfigProceduresItem.from_dict(procedures_item_data)

                procedures.append(procedures_item)

        _tools = d.pop("tools", UNSET)
        tools: ToolChanges | Unset
        if isinstance(_tools, Unset):
            tools = UNSET
        else:
            tools = ToolChanges.from_dict(_tools)

        _knowledge = d.pop("knowledge", UNSET)
        knowledge: KnowledgeScope | Unset
        if isinstance(_knowledge, Unset):
            knowledge = UNSET
        else:
            knowledge = KnowledgeScope.from_dict(_knowledge)

        release_config = cls(
            provider=provider,
            model=model,
            policy=policy,
            procedures=procedures,
            tools=tools,
            knowledge=knowledge,
        )

        release_config.additional_properties = d
        return release_config

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
