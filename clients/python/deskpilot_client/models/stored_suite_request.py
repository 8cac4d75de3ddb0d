from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="StoredSuiteRequest")


@_attrs_define
class StoredSuiteRequest:
    """A suite to keep as the tenant's (``PUT /v1/simulations/suites/{name}``): every publish gate runs it. ``source``:
    its YAML or JSON text, as a stored suite's ``source`` reads back (``suite`` there is the suite's own name).

        Attributes:
            source (str): a simulation suite as YAML or JSON text: tasks with unique ids, customers, setups and expectations
                as docs/simulation.md describes them (format `deskpilot-suite`); each problem is named by field and line: 422
                when the document is wrong, 409 when it names what this tenant does not have
    """

    source: str

    def to_dict(self) -> dict[str, Any]:
        source = self.source

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "source": source,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        source = d.pop("source")

        stored_suite_request = cls(
            source=source,
        )

        return stored_suite_request
