from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.article_changes_body_format_type_0 import ArticleChangesBodyFormatType0
from ..models.article_changes_status_type_0 import ArticleChangesStatusType0
from ..types import UNSET, Unset

T = TypeVar("T", bound="ArticleChanges")


@_attrs_define
class ArticleChanges:
    """A partial update; every change makes a new version.

    Attributes:
        title (None | str | Unset):
        body (None | str | Unset):
        body_format (ArticleChangesBodyFormatType0 | None | Unset):
        tags (list[str] | None | Unset):
        locale (None | str | Unset):
        status (ArticleChangesStatusType0 | None | Unset):
        collection_id (None | str | Unset):
    """

    title: None | str | Unset = UNSET
    body: None | str | Unset = UNSET
    body_format: ArticleChangesBodyFormatType0 | None | Unset = UNSET
    tags: list[str] | None | Unset = UNSET
    locale: None | str | Unset = UNSET
    status: ArticleChangesStatusType0 | None | Unset = UNSET
    collection_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        body: None | str | Unset
        if isinstance(self.body, Unset):
            body = UNSET
        else:
            body = self.body

        body_format: None | str | Unset
        if isinstance(self.body_format, Unset):
            body_format = UNSET
        elif isinstance(self.body_format, ArticleChangesBodyFormatType0):
            body_format = self.body_format.value
        else:
            body_format = self.body_format

        tags: list[str] | None | Unset
        if isinstance(self.tags, Unset):
            tags = UNSET
        elif isinstance(self.tags, list):
            tags = self.tags

        else:
            tags = self.tags

        locale: None | str | Unset
        if isinstance(self.locale, Unset):
            locale = UNSET
        else:
            locale = self.locale

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, ArticleChangesStatusType0):
            status = self.status.value
        else:
            status = self.status

        collection_id: None | str | Unset
        if isinstance(self.collection_id, Unset):
            collection_id = UNSET
        else:
            collection_id = self.collection_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if title is not UNSET:
            field_dict["title"] = title
        if body is not UNSET:
            field_dict["body"] = body
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

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        def _parse_body(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        def _parse_body_format(data: object) -> ArticleChangesBodyFormatType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                body_format_type_0 = ArticleChangesBodyFormatType0(data)

                return body_format_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ArticleChangesBodyFormatType0 | None | Unset, data)

        body_format = _parse_body_format(d.pop("body_format", UNSET))

        def _parse_tags(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tags_type_0 = cast(list[str], data)

                return tags_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        tags = _parse_tags(d.pop("tags", UNSET))

        def _parse_locale(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        locale = _parse_locale(d.pop("locale", UNSET))

        def _parse_status(data: object) -> ArticleChangesStatusType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = ArticleChangesStatusType0(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ArticleChangesStatusType0 | None | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_collection_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        collection_id = _parse_collection_id(d.pop("collection_id", UNSET))

        article_changes = cls(
            title=title,
            body=body,
            body_format=body_format,
            tags=tags,
            locale=locale,
            status=status,
            collection_id=collection_id,
        )

        return article_changes
