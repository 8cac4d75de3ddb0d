"""Integration manifests: one declarative YAML file per integration, validated into these models."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from libs.events import RiskClass, ToolSpec

MANIFEST_DIR = Path(__file__).parent / "manifests"
SERVICE = "integrations"


class ToolAnnotations(BaseModel):
    """MCP-style hints about a tool's behaviour."""

    model_config = ConfigDict(extra="forbid")
    read_only: bool = False
    destructive: bool = True
    idempotent: bool = False


class ManifestTool(BaseModel):
    """A tool the integration exposes to the agent."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str
    risk: RiskClass
    annotations: ToolAnnotations = ToolAnnotations()
    input_schema: dict[str, Any]


class ManifestAuth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["none", "api_key", "oauth2"]


class Manifest(BaseModel):
    """One integration: identity, authentication and the tools it offers."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    title: str
    description: str
    auth: ManifestAuth
    tools: list[ManifestTool]

    def tool_specs(self) -> list[ToolSpec]:
        return [
            ToolSpec(
                name=t.name,
                description=t.description,
                input_schema=t.input_schema,
                risk=t.risk,
                service=SERVICE,
                integration=self.name,
            )
            for t in self.tools
        ]


def load_manifest(path: Path) -> Manifest:
    return Manifest.model_validate(yaml.safe_load(path.read_text()))


@cache
def builtin_manifests() -> dict[str, Manifest]:
    manifests = [load_manifest(p) for p in sorted(MANIFEST_DIR.glob("*.yaml"))]
    return {m.name: m for m in manifests}
