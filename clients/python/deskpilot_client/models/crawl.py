from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Crawl")


@_attrs_define
class Crawl:
    """
    Attributes:
        crawl_id (str):
        root_url (str):
        status (str):
        max_depth (int):
        max_pages (int):
        pages_found (int):
        pages_fetched (int):
        pages_indexed (int):
        pages_unchanged (int):
        pages_failed (int):
        error (None | str):
        created_at (datetime.datetime):
        finished_at (datetime.datetime | None):
    """

    crawl_id: str
    root_url: str
    status: str
    max_depth: int
    max_pages: int
    pages_found: int
    pages_fetched: int
    pages_indexed: int
    pages_unchanged: int
    pages_failed: int
    error: None | str
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        crawl_id = self.crawl_id

        root_url = self.root_url

        status = self.status

        max_depth = self.max_depth

        max_pages = self.max_pages

        pages_found = self.pages_found

        pages_fetched = self.pages_fetched

        pages_indexed = self.pages_indexed

        pages_unchanged = self.pages_unchanged

        pages_failed = self.pages_failed

        error: None | str
        error = self.error

        created_at = self.created_at.isoformat()

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "crawl_id": crawl_id,
                "root_url": root_url,
                "status": status,
                "max_depth": max_depth,
                "max_pages": max_pages,
                "pages_found": pages_found,
                "pages_fetched": pages_fetched,
                "pages_indexed": pages_indexed,
                "pages_unchanged": pages_unchanged,
                "pages_failed": pages_failed,
                "error": error,
                "created_at": created_at,
                "finished_at": finished_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        crawl_id = d.pop("crawl_id")

        root_url = d.pop("root_url")

        status = d.pop("status")

        max_depth = d.pop("max_depth")

        max_pages = d.pop("max_pages")

        pages_found = d.pop("pages_found")

        pages_fetched = d.pop("pages_fetched")

        pages_indexed = d.pop("pages_indexed")

        pages_unchanged = d.pop("pages_unchanged")

        pages_failed = d.pop("pages_failed")

        def _parse_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error = _parse_error(d.pop("error"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        crawl = cls(
            crawl_id=crawl_id,
            root_url=root_url,
            status=status,
            max_depth=max_depth,
            max_pages=max_pages,
            pages_found=pages_found,
            pages_fetched=pages_fetched,
            pages_indexed=pages_indexed,
            pages_unchanged=pages_unchanged,
            pages_failed=pages_failed,
            error=error,
            created_at=created_at,
            finished_at=finished_at,
        )

        crawl.additional_properties = d
        return crawl

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
