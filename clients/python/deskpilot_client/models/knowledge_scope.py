from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="KnowledgeScope")


@_attrs_define
class KnowledgeScope:
    """The knowledge collections the agent may search and read: its knowledge tool calls carry them and the
    knowledge service answers from nothing else.

        Attributes:
            collections (list[str] | None | Unset): collection ids (from /v1/knowledge/collections); none: the whole
                knowledge base; []: none of it. An id the knowledge base does not have matches no article.
    """

    collections: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        collections: list[str] | None | Unset
        if isinstance(self.collections, Unset):
            collections = UNSET
        elif isinstance(self.collections, list):
            collections = self.collections

        else:
            collections = self.collections

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if collections is not UNSET:
            field_dict["collections"] = collections

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_collections(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                collections_type_0 = cast(list[str], data)

                return collections_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        collections = _parse_collections(d.pop("collections", UNSET))

        knowledge_scope = cls(
            collections=collections,
        )

        return knowledge_scope
