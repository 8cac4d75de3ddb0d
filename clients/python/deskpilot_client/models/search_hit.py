from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SearchHit")


@_attrs_define
class SearchHit:
    """
    Attributes:
        article_id (str):
        title (str):
        heading_path (str):
        anchor (str):
        url (None | str):
        snippet (str):
        score (float):
    """

    article_id: str
    title: str
    heading_path: str
    anchor: str
    url: None | str
    snippet: str
    score: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        article_id = self.article_id

        title = self.title

        heading_path = self.heading_path

        anchor = self.anchor

        url: None | str
        url = self.url

        snippet = self.snippet

        score = self.score

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "article_id": article_id,
                "title": title,
                "heading_path": heading_path,
                "anchor": anchor,
                "url": url,
                "snippet": snippet,
                "score": score,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        article_id = d.pop("article_id")

        title = d.pop("title")

        heading_path = d.pop("heading_path")

        anchor = d.pop("anchor")

        def _parse_url(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        url = _parse_url(d.pop("url"))

        snippet = d.pop("snippet")

        score = d.pop("score")

        search_hit = cls(
            article_id=article_id,
            title=title,
            heading_path=heading_path,
            anchor=anchor,
            url=url,
            snippet=snippet,
            score=score,
        )

        search_hit.additional_properties = d
        return search_hit

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
