from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.new_article_body_format import NewArticleBodyFormat
from ..models.new_article_status import NewArticleStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="NewArticle")


@_attrs_define
class NewArticle:
    """An article; ``status`` published makes it retrievable at once.

    Attributes:
        title (str):
        body (str):
        body_format (NewArticleBodyFormat | Unset):  Default: NewArticleBodyFormat.MARKDOWN.
        tags (list[str] | Unset):
        locale (str | Unset):  Default: 'en'.
        status (NewArticleStatus | Unset):  Default: NewArticleStatus.PUBLISHED.
        collection_id (None | str | Unset):
    """

    title: str
    body: str
    body_format: NewArticleBodyFormat | Unset = NewArticleBodyFormat.MARKDOWN
    tags: list[str] | Unset = UNSET
    locale: str | Unset = "en"
    status: NewArticleStatus | Unset = NewArticleStatus.PUBLISHED
    collection_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        title = self.title

        body = self.body

        body_format: str | Unset = UNSET
        if not isinstance(self.body_format, Unset):
            body_format = self.body_format.value

        tags: list[str] | Unset = UNSET
        if not isinstance(self.tags, Unset):
            tags = self.tags

        locale = self.locale

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        collection_id: None | str | Unset
        if isinstance(self.collection_id, Unset):
            collection_id = UNSET
        else:
            collection_id = self.collection_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "title": title,
                "body": body,
            }
        )
        if body_format is not UNSET:
            field_dict["body_format"] = body_format
        if tags is not UNSET:
            field_dict["tags"] = tags
        if locale is not UNSET:
            field_dict["locale"] = locale
        if status is not UNSET:
            field_dict["status"] = status
        if collection_id is not UNSET:
            field_dict["collection_id"] = collection_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        title = d.pop("title")

        body = d.pop("body")

        _body_format = d.pop("body_format", UNSET)
        body_format: NewArticleBodyFormat | Unset
        if isinstance(_body_format, Unset):
            body_format = UNSET
        else:
            body_format = NewArticleBodyFormat(_body_format)

        tags = cast(list[str], d.pop("tags", UNSET))

        locale = d.pop("locale", UNSET)

        _status = d.pop("status", UNSET)
        status: NewArticleStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = NewArticleStatus(_status)

        def _parse_collection_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        collection_id = _parse_collection_id(d.pop("collection_id", UNSET))

        new_article = cls(
            title=title,
            body=body,
            body_format=body_format,
            tags=tags,
            locale=locale,
            status=status,
            collection_id=collection_id,
        )

        return new_article
