from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="AddressVerification")


@_attrs_define
class AddressVerification:
    """
    Attributes:
        address (str):
        code (str): The code mailed to the address.
    """

    address: str
    code: str

    def to_dict(self) -> dict[str, Any]:
        address = self.address

        code = self.code

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "address": address,
                "code": code,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        address = d.pop("address")

        code = d.pop("code")

        address_verification = cls(
            address=address,
            code=code,
        )

        return address_verification
