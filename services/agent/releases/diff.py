"""A readable diff of two agent configurations: a text diff for words (persona, instructions, procedures' steps
and ``applies_when``, tool descriptions), a field diff for everything else."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, Field

from services.agent.releases.config import ReleaseConfig


class TextChange(BaseModel):
    field: str
    diff: list[str] = Field(description="unified diff lines (---/+++ headers, @@ hunks, -old, +new)")


class FieldChange(BaseModel):
    field: str
    change: str = Field(description="added | removed | changed")
    old: Any = None
    new: Any = None


class ConfigDiff(BaseModel):
    a: str
    b: str
    texts: list[TextChange]
    fields: list[FieldChange]
    identical: bool


def _texts(config: ReleaseConfig) -> dict[str, str]:
    out = {"policy.persona": config.policy.persona, "policy.instructions": config.policy.instructions}
    for document in config.procedures:
        name = document.get("name", "?")
        out[f"procedures.{name}.steps"] = str(document.get("steps", ""))
        out[f"procedures.{name}.applies_when"] = str(document.get("applies_when", ""))
    for tool, text in config.tools.descriptions.items():
        out[f"tools.descriptions.{tool}"] = text
    return out


def _flatten(value: Any, at: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(item, f"{at}.{key}" if at else str(key), out)
    else:
        out[at] = value


def _fields(config: ReleaseConfig) -> dict[str, Any]:
    data = config.model_dump(mode="json")
    data["procedures"] = {d.get("name", "?"): d for d in data["procedures"]}
    out: dict[str, Any] = {}
    _flatten(data, "", out)
    texts = _texts(config)
    return {k: v for k, v in out.items() if k not in texts}


def _lines(text: str) -> list[str]:
    return text.splitlines() or [""]


def diff_configs(a: ReleaseConfig, b: ReleaseConfig, a_name: str, b_name: str) -> ConfigDiff:
    texts: list[TextChange] = []
    ta, tb = _texts(a), _texts(b)
    for name in sorted(set(ta) | set(tb)):
        old, new = ta.get(name, ""), tb.get(name, "")
        if old != new:
            lines = difflib.unified_diff(_lines(old), _lines(new), f"{a_name}:{name}", f"{b_name}:{name}", lineterm="")
            texts.append(TextChange(field=name, diff=list(lines)))
    fields: list[FieldChange] = []
    fa, fb = _fields(a), _fields(b)
    for name in sorted(set(fa) | set(fb)):
        if name not in fb:
            fields.append(FieldChange(field=name, change="removed", old=fa[name]))
        elif name not in fa:
            fields.append(FieldChange(field=name, change="added", new=fb[name]))
        elif fa[name] != fb[name]:
            fields.append(FieldChange(field=name, change="changed", old=fa[name], new=fb[name]))
    return ConfigDiff(a=a_name, b=b_name, texts=texts, fields=fields, identical=not texts and not fields)
