from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.approval_rule import ApprovalRule
    from ..models.limits import Limits
    from ..models.model_setting import ModelSetting


T = TypeVar("T", bound="AgentPolicy")


@_attrs_define
class AgentPolicy:
    """Everything a tenant decides about its agent.

    Attributes:
        model (ModelSetting | None | Unset): the tenant's model; None: the operator's
        persona (str | Unset): who the agent is and how it speaks Default: ''.
        instructions (str | Unset): the tenant's policies, in words Default: ''.
        limits (Limits | Unset): Hard limits. Reaching one ends in a polite reply, an ``agent.limit_reached`` event and
            a handoff.
        approval_rules (list[ApprovalRule] | Unset):
        context_tokens (int | Unset): history budget per model call Default: 60000.
        max_tool_result_chars (int | Unset):  Default: 8000.
    """

    model: ModelSetting | None | Unset = UNSET
    persona: str | Unset = ""
    instructions: str | Unset = ""
    limits: Limits | Unset = UNSET
    approval_rules: list[ApprovalRule] | Unset = UNSET
    context_tokens: int | Unset = 60000
    max_tool_result_chars: int | Unset = 8000

    def to_dict(self) -> dict[str, Any]:
        from ..models.model_setting import ModelSetting  # noqa: PLC0415

        model: dict[str, Any] | None | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        elif isinstance(self.model, ModelSetting):
            model = self.model.to_dict()
        else:
            model = self.model

        persona = self.persona

        instructions = self.instructions

        limits: dict[str, Any] | Unset = UNSET
        if not isinstance(self.limits, Unset):
            limits = self.limits.to_dict()

        approval_rules: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.approval_rules, Unset):
            approval_rules = []
            for approval_rules_item_data in self.approval_rules:
                approval_rules_item = approval_rules_item_data.to_dict()
                approval_rules.append(approval_rules_item)

        context_tokens = self.context_tokens

        max_tool_result_chars = self.max_tool_result_chars

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if model is not UNSET:
            field_dict["model"] = model
        if persona is not UNSET:
            field_dict["persona"] = persona
        if instructions is not UNSET:
            field_dict["instructions"] = instructions
        if limits is not UNSET:
            field_dict["limits"] = limits
        if approval_rules is not UNSET:
            field_dict["approval_rules"] = approval_rules
        if context_tokens is not UNSET:
            field_dict["context_tokens"] = context_tokens
        if max_tool_result_chars is not UNSET:
            field_dict["max_tool_result_chars"] = max_tool_result_chars

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.approval_rule import ApprovalRule  # noqa: PLC0415
        from ..models.limits import Limits  # noqa: PLC0415
        from ..models.model_setting import ModelSetting  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_model(data: object) -> ModelSetting | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                model_type_0 = ModelSetting.from_dict(data)

                return model_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ModelSetting | None | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        persona = d.pop("persona", UNSET)

        instructions = d.pop("instructions", UNSET)

        _limits = d.pop("limits", UNSET)
        limits: Limits | Unset
        if isinstance(_limits, Unset):
            limits = UNSET
        else:
            limits = Limits.from_dict(_limits)

        _approval_rules = d.pop("approval_rules", UNSET)
        approval_rules: list[ApprovalRule] | Unset = UNSET
        if _approval_rules is not UNSET:
            approval_rules = []
            for approval_rules_item_data in _approval_rules:
                approval_rules_item = ApprovalRule.from_dict(approval_rules_item_data)

                approval_rules.append(approval_rules_item)

        context_tokens = d.pop("context_tokens", UNSET)

        max_tool_result_chars = d.pop("max_tool_result_chars", UNSET)

        agent_policy = cls(
            model=model,
            persona=persona,
            instructions=instructions,
            limits=limits,
            approval_rules=approval_rules,
            context_tokens=context_tokens,
            max_tool_result_chars=max_tool_result_chars,
        )

        return agent_policy
