from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.tenant_model_provider import TenantModelProvider
from ..types import UNSET, Unset

T = TypeVar("T", bound="TenantModel")


@_attrs_define
class TenantModel:
    """A model for the run: provider, model name, and optionally a server on the internet and that server's key.

    Attributes:
        provider (TenantModelProvider):
        model (None | str | Unset): default: the provider's default model
        base_url (None | str | Unset): an Anthropic- or OpenAI-compatible server at a public address, e.g.
            https://llm.example/v1 (a host on a private network, or one that does not resolve: 403)
        api_key (None | str | Unset): the server's key: used for this run only, never stored or shown
    """

    provider: TenantModelProvider
    model: None | str | Unset = UNSET
    base_url: None | str | Unset = UNSET
    api_key: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider.value

        model: None | str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        else:
            model = self.model

        base_url: None | str | Unset
        if isinstance(self.base_url, Unset):
            base_url = UNSET
        else:
            base_url = self.base_url

        api_key: None | str | Unset
        if isinstance(self.api_key, Unset):
            api_key = UNSET
        else:
            api_key = self.api_key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
            }
        )
        if model is not UNSET:
            field_dict["model"] = model
        if base_url is not UNSET:
            field_dict["base_url"] = base_url
        if api_key is not UNSET:
            field_dict["api_key"] = api_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = TenantModelProvider(d.pop("provider"))

        def _parse_model(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        def _parse_base_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        base_url = _parse_base_url(d.pop("base_url", UNSET))

        def _parse_api_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        api_key = _parse_api_key(d.pop("api_key", UNSET))

        tenant_model = cls(
            provider=provider,
            model=model,
            base_url=base_url,
            api_key=api_key,
        )

        return tenant_model
