from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="PrivacySubject")


@_attrs_define
class PrivacySubject:
    """Whom a data-subject request is about: exactly one of ``customer_id``, ``email`` or ``conversation_ids``.

    Attributes:
        customer_id (None | str | Unset):
        email (None | str | Unset):
        conversation_ids (list[str] | None | Unset):
    """

    customer_id: None | str | Unset = UNSET
    email: None | str | Unset = UNSET
    conversation_ids: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        customer_id: None | str | Unset
        if isinstance(self.customer_id, Unset):
            customer_id = UNSET
        else:
            customer_id = self.customer_id

        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        conversation_ids: list[str] | None | Unset
        if isinstance(self.conversation_ids, Unset):
            conversation_ids = UNSET
        elif isinstance(self.conversation_ids, list):
            conversation_ids = self.conversation_ids

        else:
            conversation_ids = self.conversation_ids

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if customer_id is not UNSET:
            field_dict["customer_id"] = customer_id
        if email is not UNSET:
            field_dict["email"] = email
        if conversation_ids is not UNSET:
            field_dict["conversation_ids"] = conversation_ids

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_customer_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        customer_id = _parse_customer_id(d.pop("customer_id", UNSET))

        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))

        def _parse_conversation_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                conversation_ids_type_0 = cast(list[str], data)

                return conversation_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        conversation_ids = _parse_conversation_ids(d.pop("conversation_ids", UNSET))

        privacy_subject = cls(
            customer_id=customer_id,
            email=email,
            conversation_ids=conversation_ids,
        )

        return privacy_subject
