from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.privacy_status_bundle_type_0 import PrivacyStatusBundleType0
    from ..models.privacy_status_services import PrivacyStatusServices


T = TypeVar("T", bound="PrivacyStatus")


@_attrs_define
class PrivacyStatus:
    """
    Attributes:
        id (str):
        status (str):
        requested_at (str):
        requested_by (str):
        conversations (list[str]):
        services (PrivacyStatusServices):
        bundle (None | PrivacyStatusBundleType0 | Unset): exports: the machine-readable bundle (schema
            deskpilot.privacy-export/v1)
    """

    id: str
    status: str
    requested_at: str
    requested_by: str
    conversations: list[str]
    services: PrivacyStatusServices
    bundle: None | PrivacyStatusBundleType0 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.privacy_status_bundle_type_0 import PrivacyStatusBundleType0  # noqa: PLC0415

        id = self.id

        status = self.status

        requested_at = self.requested_at

        requested_by = self.requested_by

        conversations = self.conversations

        services = self.services.to_dict()

        bundle: dict[str, Any] | None | Unset
        if isinstance(self.bundle, Unset):
            bundle = UNSET
        elif isinstance(self.bundle, PrivacyStatusBundleType0):
            bundle = self.bundle.to_dict()
        else:
            bundle = self.bundle

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "status": status,
                "requested_at": requested_at,
                "requested_by": requested_by,
                "conversations": conversations,
                "services": services,
            }
        )
        if bundle is not UNSET:
            field_dict["bundle"] = bundle

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.privacy_status_bundle_type_0 import PrivacyStatusBundleType0  # noqa: PLC0415
        from ..models.privacy_status_services import PrivacyStatusServices  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        status = d.pop("status")

        requested_at = d.pop("requested_at")

        requested_by = d.pop("requested_by")

        conversations = cast(list[str], d.pop("conversations"))

        services = PrivacyStatusServices.from_dict(d.pop("services"))

        def _parse_bundle(data: object) -> None | PrivacyStatusBundleType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                bundle_type_0 = PrivacyStatusBundleType0.from_dict(data)

                return bundle_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PrivacyStatusBundleType0 | Unset, data)

        bundle = _parse_bundle(d.pop("bundle", UNSET))

        privacy_status = cls(
            id=id,
            status=status,
            requested_at=requested_at,
            requested_by=requested_by,
            conversations=conversations,
            services=services,
            bundle=bundle,
        )

        privacy_status.additional_properties = d
        return privacy_status

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
