from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="NewCrawl")


@_attrs_define
class NewCrawl:
    """Crawl a website: its sitemap and same-host links from ``url``, within the limits, obeying robots.txt.

    Attributes:
        url (str): an http(s) URL (a host name or IPv4 address)
        max_depth (int | Unset):  Default: 3.
        max_pages (int | Unset):  Default: 200.
        locale (str | Unset):  Default: 'en'.
    """

    url: str
    max_depth: int | Unset = 3
    max_pages: int | Unset = 200
    locale: str | Unset = "en"

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        max_depth = self.max_depth

        max_pages = self.max_pages

        locale = self.locale

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
            }
        )
        if max_depth is not UNSET:
            field_dict["max_depth"] = max_depth
        if max_pages is not UNSET:
            field_dict["max_pages"] = max_pages
        if locale is not UNSET:
            field_dict["locale"] = locale

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        max_depth = d.pop("max_depth", UNSET)

        max_pages = d.pop("max_pages", UNSET)

        locale = d.pop("locale", UNSET)

        new_crawl = cls(
            url=url,
            max_depth=max_depth,
            max_pages=max_pages,
            locale=locale,
        )

        return new_crawl
