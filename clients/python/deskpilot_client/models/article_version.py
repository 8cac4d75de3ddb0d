from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ArticleVersion")


@_attrs_define
class ArticleVersion:
    """
    Attributes:
        version (int):
        title (str):
        body (str):
        body_format (str):
        tags (list[str]):
        locale (str):
        status (str):
        created_at (datetime.datetime):
    """

    version: int
    title: str
    body: str
    body_format: str
    tags: list[str]
    locale: str
    status: str
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        version = self.version

        title = self.title

        body = self.body

        body_format = self.body_format

        tags = self.tags

        locale = self.locale

        status = self.status

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "version": version,
                "title": title,
                "body": body,
                "body_format": body_format,
                "tags": tags,
                "locale": locale,
                "status": status,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        version = d.pop("version")

        title = d.pop("title")

        body = d.pop("body")

        body_format = d.pop("body_format")

        tags = cast(list[str], d.pop("tags"))

        locale = d.pop("locale")

        status = d.pop("status")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        article_version = cls(
            version=version,
            title=title,
            body=body,
            body_format=body_format,
            tags=tags,
            locale=locale,
            status=status,
            created_at=created_at,
        )

        article_version.additional_properties = d
        return article_version

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
