from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.procedure_input_document_type_0 import ProcedureInputDocumentType0


T = TypeVar("T", bound="ProcedureInput")


@_attrs_define
class ProcedureInput:
    """A procedure to save: its text (YAML or JSON; problems are named by line and field) or the object itself.

    Attributes:
        source (None | str | Unset): the document as YAML or JSON text
        document (None | ProcedureInputDocumentType0 | Unset): the document as an object
    """

    source: None | str | Unset = UNSET
    document: None | ProcedureInputDocumentType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.procedure_input_document_type_0 import ProcedureInputDocumentType0  # noqa: PLC0415

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        document: dict[str, Any] | None | Unset
        if isinstance(self.document, Unset):
            document = UNSET
        elif isinstance(self.document, ProcedureInputDocumentType0):
            document = self.document.to_dict()
        else:
            document = self.document

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if source is not UNSET:
            field_dict["source"] = source
        if document is not UNSET:
            field_dict["document"] = document

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.procedure_input_document_type_0 import ProcedureInputDocumentType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        def _parse_document(data: object) -> None | ProcedureInputDocumentType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                document_type_0 = ProcedureInputDocumentType0.from_dict(data)

                return document_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ProcedureInputDocumentType0 | Unset, data)

        document = _parse_document(d.pop("document", UNSET))

        procedure_input = cls(
            source=source,
            document=document,
        )

        return procedure_input
