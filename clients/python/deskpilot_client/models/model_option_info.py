from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ModelOptionInfo")


@_attrs_define
class ModelOptionInfo:
    """
    Attributes:
        provider (str):
        available (bool): the operator configured it (its key or server)
        reason (None | str): why not, when not available
        default_model (None | str):
        models (list[str]): its models with a price (another model of an OpenAI-compatible server is priced by the '*'
            entry)
    """

    provider: str
    available: bool
    reason: None | str
    default_model: None | str
    models: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider

        available = self.available

        reason: None | str
        reason = self.reason

        default_model: None | str
        default_model = self.default_model

        models = self.models

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "provider": provider,
                "available": available,
                "reason": reason,
                "default_model": default_model,
                "models": models,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = d.pop("provider")

        available = d.pop("available")

        def _parse_reason(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        reason = _parse_reason(d.pop("reason"))

        def _parse_default_model(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        default_model = _parse_default_model(d.pop("default_model"))

        models = cast(list[str], d.pop("models"))

        model_option_info = cls(
            provider=provider,
            available=available,
            reason=reason,
            default_model=default_model,
            models=models,
        )

        model_option_info.additional_properties = d
        return model_option_info

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
