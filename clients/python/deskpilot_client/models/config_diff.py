from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.field_change import FieldChange
    from ..models.text_change import TextChange


T = TypeVar("T", bound="ConfigDiff")


@_attrs_define
class ConfigDiff:
    """
    Attributes:
        a (str):
        b (str):
        texts (list[TextChange]):
        fields (list[FieldChange]):
        identical (bool):
    """

    a: str
    b: str
    texts: list[TextChange]
    fields: list[FieldChange]
    identical: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        a = self.a

        b = self.b

        texts = []
        for texts_item_data in self.texts:
            texts_item = texts_item_data.to_dict()
            texts.append(texts_item)

        fields = []
        for fields_item_data in self.fields:
            fields_item = fields_item_data.to_dict()
            fields.append(fields_item)

        identical = self.identical

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "a": a,
                "b": b,
                "texts": texts,
                "fields": fields,
                "identical": identical,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.field_change import FieldChange  # noqa: PLC0415
        from ..models.text_change import TextChange  # noqa: PLC0415

        d = dict(src_dict)
        a = d.pop("a")

        b = d.pop("b")

        texts = []
        _texts = d.pop("texts")
        for texts_item_data in _texts:
            texts_item = TextChange.from_dict(texts_item_data)

            texts.append(texts_item)

        fields = []
        _fields = d.pop("fields")
        for fields_item_data in _fields:
            fields_item = FieldChange.from_dict(fields_item_data)

            fields.append(fields_item)

        identical = d.pop("identical")

        config_diff = cls(
            a=a,
            b=b,
            texts=texts,
            fields=fields,
            identical=identical,
        )

        config_diff.additional_properties = d
        return config_diff

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
