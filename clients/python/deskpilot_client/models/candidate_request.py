from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.agent_policy import AgentPolicy
    from ..models.tenant_model import TenantModel
    from ..models.tool_changes import ToolChanges


T = TypeVar("T", bound="CandidateRequest")


@_attrs_define
class CandidateRequest:
    """What to run instead of the base setup (docs/replay.md); every field is optional, ``{}`` is the base itself.

    Attributes:
        name (str | Unset): a label for reports Default: 'candidate'.
        model (None | TenantModel | Unset): omitted: the model the base runs on
        policy (AgentPolicy | Unset): Everything a tenant decides about its agent.
        tools (ToolChanges | Unset): Changes to the tool catalog the agent sees.
        procedures (list[str] | None | Unset): procedures (YAML or JSON texts) that replace the base's; omitted: the
            base's
        knowledge (list[str] | None | Unset): the knowledge collections its searches may read; omitted: the base's
    """

    name: str | Unset = "candidate"
    model: None | TenantModel | Unset = UNSET
    policy: AgentPolicy | Unset = UNSET
    tools: ToolChanges | Unset = UNSET
    procedures: list[str] | None | Unset = UNSET
    knowledge: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.tenant_model import TenantModel  # noqa: PLC0415

        name = self.name

        model: dict[str, Any] | None | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        elif isinstance(self.model, TenantModel):
            model = self.model.to_dict()
        else:
            model = self.model

        policy: dict[str, Any] | Unset = UNSET
        if not isinstance(self.policy, Unset):
            policy = self.policy.to_dict()

        tools: dict[str, Any] | Unset = UNSET
        if not isinstance(self.tools, Unset):
            tools = self.tools.to_dict()

        procedures: list[str] | None | Unset
        if isinstance(self.procedures, Unset):
            procedures = UNSET
        elif isinstance(self.procedures, list):
            procedures = self.procedures

        else:
            procedures = self.procedures

        knowledge: list[str] | None | Unset
        if isinstance(self.knowledge, Unset):
            knowledge = UNSET
        elif isinstance(self.knowledge, list):
            knowledge = self.knowledge

        else:
            knowledge = self.knowledge

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if model is not UNSET:
            field_dict["model"] = model
        if policy is not UNSET:
            field_dict["policy"] = policy
        if tools is not UNSET:
            field_dict["tools"] = tools
        if procedures is not UNSET:
            field_dict["procedures"] = procedures
        if knowledge is not UNSET:
            field_dict["knowledge"] = knowledge

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.agent_policy import AgentPolicy  # noqa: PLC0415
        from ..models.tenant_model import TenantModel  # noqa: PLC0415
        from ..models.tool_changes import ToolChanges  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name", UNSET)

        def _parse_model(data: object) -> None | TenantModel | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                model_type_0 = TenantModel.from_dict(data)

                return model_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TenantModel | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        _policy = d.pop("policy", UNSET)
        policy: AgentPolicy | Unset
        if isinstance(_policy, Unset):
            policy = UNSET
        else:
            policy = AgentPolicy.from_dict(_policy)

        _tools = d.pop("tools", UNSET)
        tools: ToolChanges | Unset
        if isinstance(_tools, Unset):
            tools = UNSET
        else:
            tools = ToolChanges.from_dict(_tools)

        def _parse_procedures(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                procedures_type_0 = cast(list[str], data)

                return procedures_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        procedures = _parse_procedures(d.pop("procedures", UNSET))

        def _parse_knowledge(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                knowledge_type_0 = cast(list[str], data)

                return knowledge_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        knowledge = _parse_knowledge(d.pop("knowledge", UNSET))

        candidate_request = cls(
            name=name,
            model=model,
            policy=policy,
            tools=tools,
            procedures=procedures,
            knowledge=knowledge,
        )

        return candidate_request
