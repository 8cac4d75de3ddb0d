"""Integration manifests: one declarative YAML file per integration, validated into these models."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from libs import demo_store
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
    provider_idempotency_key: bool = Field(
        default=False,
        description="the handler sends the provider an Idempotency-Key derived from the tool call, so the provider "
        "answers a repeated call with the first one's result: safe to repeat after a crash",
    )


class TokenRevocation(BaseModel):
    """How to withdraw our grant at the provider when a tenant disconnects.

    ``url`` may hold the connection's ``{param}`` placeholders and, for ``send_as: path``, ``{token}``.
    ``header``: the token in a header (``Authorization: Bearer …``, or Shopify's ``X-Shopify-Access-Token``);
    ``path``: in the URL (HubSpot); ``form``: RFC 7009 (``token``, ``token_type_hint`` and the client credentials).
    """

    model_config = ConfigDict(extra="forbid")
    url: str
    method: Literal["POST", "DELETE"] = "DELETE"
    token: Literal["access_token", "refresh_token"] = "access_token"  # noqa: S105  (which token, not a token)
    send_as: Literal["header", "path", "form"] = "header"
    header: str = "Authorization"
    prefix: str = "Bearer "


class OAuth2Settings(BaseModel):
    """How to obtain and refresh an OAuth2 access token (authorization-code grant).

    URLs may hold ``{param}`` placeholders (a shop subdomain, a region) filled from the values a tenant gives
    when connecting; ``params`` names them and each value must match ``param_pattern``.
    """

    model_config = ConfigDict(extra="forbid")
    authorize_url: str
    token_url: str
    api_base_url: str
    scopes: list[str]
    scope_separator: str = " "
    pkce: bool = True
    params: list[str] = []
    param_pattern: str = r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$"
    token_endpoint_auth_method: Literal["client_secret_post", "client_secret_basic"] = "client_secret_post"  # noqa: S105
    refresh_ahead_seconds: int = Field(default=300, ge=0, description="refresh this long before expiry")
    default_expires_in: int = Field(default=3600, gt=0, description="when the token response has no expires_in")
    revoked_statuses: list[str] = Field(
        default=[],
        description="provider-specific error codes (a 'status' field) meaning invalid_grant, for non-RFC errors",
    )
    token_params: dict[str, str] = Field(
        default={}, description="extra form fields for the authorization-code exchange (Shopify: expiring=1)"
    )
    callback_signature: Literal["none", "shopify_hmac"] = Field(
        default="none",
        description="how the provider signs its redirect back to us; 'shopify_hmac': an ``hmac`` query parameter, "
        "hex HMAC-SHA256 with the client secret over the other parameters sorted as k=v joined by '&'",
    )
    revocation: TokenRevocation | None = Field(
        default=None, description="how disconnecting revokes our access at the provider (else tokens are forgotten)"
    )
    callback_host_param: str | None = Field(
        default=None,
        description="a callback query parameter naming the account host, checked against the connection's params "
        "(Shopify: 'shop' must be '<shop>.myshopify.com' for the shop the tenant asked to connect)",
    )


class ApiKeySettings(BaseModel):
    """A static secret key the tenant pastes in (stored in the vault), sent as ``Authorization: Bearer <key>``.

    A connection may override ``api_base_url`` (``params.api_base_url``; a local fake in tests), https only
    unless private destinations are allowed.
    """

    model_config = ConfigDict(extra="forbid")
    api_base_url: str
    key_pattern: str = Field(default=r"^\S{8,500}$", description="what a well-formed key looks like")
    key_hint: str = Field(default="an API key", description="named in the error when a key does not match")


class RateLimitSettings(BaseModel):
    """How the provider tells us to slow down; the shared API client honours it for every tool.

    A limited answer (``limited_statuses``) blocks further calls for that tenant's connection until the wait given
    in ``retry_after_header`` (seconds) is over: they fail as ``transient`` without being sent. A call that is safe
    to repeat waits in line once when the wait is at most ``max_inline_wait_seconds``. A successful answer whose
    ``remaining_header`` says 0 blocks until ``reset_header`` (seconds) is over, before the provider has to refuse.
    """

    model_config = ConfigDict(extra="forbid")
    limited_statuses: list[int] = [429]
    retry_after_header: str = "retry-after"
    remaining_header: str | None = None
    reset_header: str | None = None
    default_wait_seconds: float = Field(default=10.0, gt=0, description="when a limited answer names no wait")
    max_inline_wait_seconds: float = Field(default=2.0, ge=0)


class WebhookSettings(BaseModel):
    """How the provider signs the webhooks it sends us (checked in ``webhooks.py``; the tenant sets the secret)."""

    model_config = ConfigDict(extra="forbid")
    scheme: Literal["shopify_hmac", "stripe_signature", "zendesk_signature", "hubspot_v3"]


def api_key_purpose(integration: str) -> str:
    """The vault purpose of an integration's API key."""
    return f"api_key:{integration}"


class ManifestAuth(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["none", "api_key", "oauth2"]
    oauth2: OAuth2Settings | None = None
    api_key: ApiKeySettings | None = None

    @model_validator(mode="after")
    def _oauth2_has_settings(self) -> ManifestAuth:
        if (self.type == "oauth2") != (self.oauth2 is not None):
            raise ValueError("auth.oauth2 is required for (and only for) type oauth2")
        return self


class Manifest(BaseModel):
    """One integration: identity, authentication and the tools it offers."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    title: str
    description: str
    auth: ManifestAuth
    rate_limit: RateLimitSettings = RateLimitSettings()
    webhooks: WebhookSettings | None = None
    idempotency_key_ttl_seconds: float = Field(
        default=3600,
        gt=0,
        description="how long the provider remembers an Idempotency-Key: a keyed write is repeated after a crash "
        "only while its first attempt is younger than this",
    )
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
    # The demo store's manifest lives with its rules in libs/demo_store, which simulations share.
    paths = [demo_store.MANIFEST_PATH, *sorted(MANIFEST_DIR.glob("*.yaml"))]
    manifests = [load_manifest(p) for p in paths]
    return {m.name: m for m in manifests}
