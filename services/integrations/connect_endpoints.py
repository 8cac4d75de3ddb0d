"""``POST /v1/integrations/<name>/connect``: one operation per integration a tenant connects, each with a body
typed from its manifest, so that the contract says exactly what each one takes.

A single ``/{name}/connect`` with one body for all could not: which ``params`` an OAuth integration needs (a Shopify
shop, a Zendesk subdomain) and what an API key looks like (Stripe's ``rk_live_…``) depend on the integration the path
names, and no schema ties a path parameter to the body. Here the body's schema is the manifest's: its placeholders
with their ``param_pattern``, its ``key_pattern``. A request the schema calls valid is accepted, unless the operator
does not allow it (403: an ``api_base_url`` to a private destination) or the deployment lacks something (409: no OAuth
app configured for the provider; 503: no vault key).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, cast

from litestar import post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import JSONBody
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Secret,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    create_model,
)
from pydantic_core import PydanticCustomError

from libs.platform.http import Runtime, TenantId
from services.integrations import service
from services.integrations.errors import ConnectError, answer_for
from services.integrations.manifest import ApiKeySettings, Manifest, OAuth2Settings, builtin_manifests
from services.integrations.mcp.policy import McpPolicy
from services.integrations.oauth.connections import OAuthConnections
from services.integrations.schemas import Connected, ConnectStarted
from services.integrations.vault import Vault, VaultError

_LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
API_BASE_URL = rf"^https?://{_LABEL}(\.{_LABEL})*(:[0-9]{{1,5}})?(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?$"
"""An http(s) URL to a host name or IPv4 address (a port and a path may follow)."""
USER_ID = Field(default=None, max_length=200, description="the admin connecting, for the record")


class ConnectParams(BaseModel):
    """The values of an OAuth integration's URL placeholders (its manifest's ``params``)."""

    model_config = ConfigDict(extra="forbid")


class OAuthConnect(BaseModel):
    """Start connecting an OAuth integration."""

    model_config = ConfigDict(extra="forbid")
    params: ConnectParams = Field(default_factory=ConnectParams)
    user_id: str | None = USER_ID


ApiBaseUrl = Annotated[str, StringConstraints(max_length=2000, pattern=API_BASE_URL)]


class ApiKeyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_base_url: ApiBaseUrl | None = Field(
        default=None,
        description="where the provider's API is, instead of the manifest's (a sandbox); https to a host name "
        "unless the operator allows private destinations (else 403)",
    )


class ApiKeyConnect(BaseModel):
    """Connect an API-key integration: the key is stored encrypted and never returned."""

    model_config = ConfigDict(extra="forbid")
    api_key: Secret[str]
    params: ApiKeyParams = Field(default_factory=ApiKeyParams)
    user_id: str | None = USER_ID


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def oauth_body(manifest: Manifest, oauth: OAuth2Settings) -> type[OAuthConnect]:
    """The body of ``manifest``'s connect: its placeholders, each matching ``param_pattern`` (all required)."""
    fields: dict[str, Any] = {
        param: (str, Field(pattern=oauth.param_pattern, description=f"fills {{{param}}} in {manifest.title}'s URLs"))
        for param in oauth.params
    }
    params = create_model(f"{_camel(manifest.name)}ConnectParams", __base__=ConnectParams, **fields)
    params_field = Field(description="values for the provider's URL placeholders")
    if not oauth.params:
        params_field = Field(default_factory=params, description="none: the provider's URLs have no placeholders")
    return create_model(
        f"{_camel(manifest.name)}Connect",
        __base__=OAuthConnect,
        __doc__=f"Start connecting {manifest.title} through OAuth.",
        params=(params, params_field),
    )


def _hinted(hint: str) -> WrapValidator:
    """A key that does not match is refused with the manifest's hint (``rk_live_…``), not the pattern alone."""

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError("api_key_format", "must be {hint}", {"hint": hint}) from None

    return WrapValidator(check)


def api_key_body(manifest: Manifest, settings: ApiKeySettings) -> type[ApiKeyConnect]:
    """The body of ``manifest``'s connect: a key matching its ``key_pattern``."""
    key = Annotated[Secret[Annotated[str, StringConstraints(pattern=settings.key_pattern)]], _hinted(settings.key_hint)]
    return create_model(
        f"{_camel(manifest.name)}Connect",
        __base__=ApiKeyConnect,
        __doc__=f"Connect {manifest.title} with an API key, stored encrypted and never returned.",
        api_key=(key, Field(description=f"{settings.key_hint}", json_schema_extra={"format": "password"})),
    )


def _operation(handler: Callable[..., Any], manifest: Manifest, body: type[BaseModel], doc: str) -> HTTPRouteHandler:
    """``handler`` as ``manifest``'s connect operation. Its body is ``body``, the manifest's model: Litestar validates
    and documents what the annotation says, and the docstring describes the operation."""
    handler.__annotations__["data"] = cast(Any, JSONBody)[body]
    handler.__doc__ = doc
    handler.__qualname__ = f"connect_{manifest.name}"
    path = f"/v1/integrations/{manifest.name}/connect"
    return post(path, status_code=200, summary=f"Connect{_camel(manifest.name)}", tags=["integrations"])(handler)


def _oauth_handler(manifest: Manifest, body: type[OAuthConnect]) -> HTTPRouteHandler:
    async def connect(
        data: JSONBody[OAuthConnect], tenant_id: TenantId, runtime: Runtime, oauth: NamedDependency[OAuthConnections]
    ) -> ConnectStarted:
        try:
            async with runtime.unit_of_work() as uow:
                params = data.params.model_dump()
                url, expires_at = await oauth.start(uow.session, tenant_id, manifest, params, data.user_id)
        except (ConnectError, VaultError) as exc:  # 409: no OAuth app for the provider; 503: no vault key
            raise answer_for(exc) from None
        return ConnectStarted(authorization_url=url, state_expires_at=expires_at)

    doc = f"""Start connecting {manifest.title}: send the admin's browser to ``authorization_url``; the provider
    sends it back to ``/v1/integrations/oauth/callback``. 409 when this deployment has no OAuth app for it
    (``DESKPILOT_OAUTH_CLIENTS``)."""
    return _operation(connect, manifest, body, doc)


def _api_key_handler(manifest: Manifest, body: type[ApiKeyConnect]) -> HTTPRouteHandler:
    async def connect(
        data: JSONBody[ApiKeyConnect],
        tenant_id: TenantId,
        runtime: Runtime,
        vault: NamedDependency[Vault],
        mcp_policy: NamedDependency[McpPolicy],
    ) -> Connected:
        params = data.params.model_dump(exclude_none=True)
        try:
            async with runtime.unit_of_work() as uow:
                await service.connect_api_key(
                    uow, vault, manifest, tenant_id, data.api_key.get_secret_value(), params, data.user_id,
                    allow_private=mcp_policy.allow_private,
                )  # fmt: skip
        except (ConnectError, VaultError) as exc:  # 403: a private api_base_url; 503: no vault key
            raise answer_for(exc) from None
        return Connected(integration=manifest.name, connected=True, scopes=[])

    doc = f"""Connect {manifest.title} at once with the tenant's API key, stored encrypted. The key is not tried
    here: ``POST /v1/integrations/{manifest.name}/test`` makes one harmless call with it. An ``api_base_url`` to a
    private destination is 403 unless the operator allows them."""
    return _operation(connect, manifest, body, doc)


def connect_handlers() -> list[HTTPRouteHandler]:
    """A connect operation for each integration a tenant connects (the demo store is connected at sign-up)."""
    handlers = []
    for manifest in builtin_manifests().values():
        if manifest.auth.oauth2 is not None:
            handlers.append(_oauth_handler(manifest, oauth_body(manifest, manifest.auth.oauth2)))
        elif manifest.auth.type == "api_key" and manifest.auth.api_key is not None:
            handlers.append(_api_key_handler(manifest, api_key_body(manifest, manifest.auth.api_key)))
    return handlers
