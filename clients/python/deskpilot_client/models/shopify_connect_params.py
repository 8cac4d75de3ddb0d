from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="ShopifyConnectParams")


@_attrs_define
class ShopifyConnectParams:
    """
    Attributes:
        shop (str): fills {shop} in Shopify's URLs
    """

    shop: str

    def to_dict(self) -> dict[str, Any]:
        shop = self.shop

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "shop": shop,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        shop = d.pop("shop")

        shopify_connect_params = cls(
            shop=shop,
        )

        return shopify_connect_params
