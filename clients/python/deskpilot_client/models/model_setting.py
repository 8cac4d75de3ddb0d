from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.model_setting_provider import ModelSettingProvider
from ..types import UNSET, Unset

T = TypeVar("T", bound="ModelSetting")


@_attrs_define
class ModelSetting:
    """The tenant's provider and model (``model`` None: the provider's default), among those the operator
    configured (``GET /v1/agent/models``); keys and servers stay the operator's.

        Attributes:
            provider (ModelSettingProvider):
            model (None | str | Unset):
    """

    provider: ModelSettingProvider
    model: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider.value

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
            }
        )
        if model is not UNSET:
            field_dict["model"] = model

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = ModelSettingProvider(d.pop("provider"))

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        model_setting = cls(
            provider=provider,
            model=model,
        )

        return model_setting
