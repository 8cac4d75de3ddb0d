from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Article")


@_attrs_define
class Article:
    """
    Attributes:
        article_id (str):
        collection_id (None | str):
        title (str):
        body (str):
        body_format (str):
        tags (list[str]):
        locale (str):
        status (str):
        version (int):
        source_url (None | str):
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
    """

    article_id: str
    collection_id: None | str
    title: str
    body: str
    body_format: str
    tags: list[str]
    locale: str
    status: str
    version: int
    source_url: None | str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        article_id = self.article_id

        collection_id: None | str
        collection_id = self.collection_id

        title = self.title

        body = self.body

        body_format = self.body_format

        tags = self.tags

        locale = self.locale

        status = self.status

        version = self.version

        source_url: None | str
        source_url = self.source_url

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "article_id": article_id,
                "collection_id": collection_id,
                "title": title,
                "body": body,
                "body_format": body_format,
                "tags": tags,
                "locale": locale,
                "status": status,
                "version": version,
                "source_url": source_url,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        article_id = d.pop("article_id")

        def _parse_collection_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        collection_id = _parse_collection_id(d.pop("collection_id"))

        title = d.pop("title")

        body = d.pop("body")

        body_format = d.pop("body_format")

        tags = cast(list[str], d.pop("tags"))

        locale = d.pop("locale")

        status = d.pop("status")

        version = d.pop("version")

        def _parse_source_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        source_url = _parse_source_url(d.pop("source_url"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        article = cls(
            article_id=article_id,
            collection_id=collection_id,
            title=title,
            body=body,
            body_format=body_format,
            tags=tags,
            locale=locale,
            status=status,
            version=version,
            source_url=source_url,
            created_at=created_at,
            updated_at=updated_at,
        )

        article.additional_properties = d
        return article

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
