from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SuiteFromConversations")


@_attrs_define
class SuiteFromConversations:
    """Turn recorded conversations of this tenant into a suite (their recorded actions are the expected end state).

    Attributes:
        conversations (list[str]):
        name (str | Unset):  Default: 'from-production'.
    """

    conversations: list[str]
    name: str | Unset = "from-production"

    def to_dict(self) -> dict[str, Any]:
        conversations = self.conversations

        name = self.name

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "conversations": conversations,
            }
        )
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        conversations = cast(list[str], d.pop("conversations"))

        name = d.pop("name", UNSET)

        suite_from_conversations = cls(
            conversations=conversations,
            name=name,
        )

        return suite_from_conversations
