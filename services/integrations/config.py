"""Settings of the integrations service."""

from pydantic import Field, SecretStr

from libs.platform.settings import ServiceSettings


class IntegrationsSettings(ServiceSettings):
    vault_master_keys: SecretStr = Field(
        default=SecretStr(""),
        validation_alias="DESKPILOT_VAULT_MASTER_KEYS",
        description="vault master keys, 'version:base64-32-byte-key' comma-separated, newest first",
    )
    oauth_clients: SecretStr = Field(
        default=SecretStr("{}"),
        validation_alias="DESKPILOT_OAUTH_CLIENTS",
        description='OAuth apps as JSON: {"hubspot": {"client_id": "…", "client_secret": "…"}}',
    )
    oauth_redirect_url: str = Field(
        default="http://127.0.0.1:8000/v1/integrations/oauth/callback",
        validation_alias="DESKPILOT_OAUTH_REDIRECT_URL",
        description="public URL of GET /v1/integrations/oauth/callback, registered with each OAuth app",
    )
    oauth_state_ttl_seconds: int = Field(default=600, ge=30, le=3600, validation_alias="DESKPILOT_OAUTH_STATE_TTL")
    mcp_stdio_commands: str = Field(
        default="",
        validation_alias="DESKPILOT_MCP_STDIO_COMMANDS",
        description="comma-separated commands tenants may register as stdio MCP servers (empty: none)",
    )
    mcp_allow_private: bool = Field(default=False, validation_alias="DESKPILOT_MCP_ALLOW_PRIVATE")
    mcp_timeout_seconds: float = Field(default=30.0, gt=0, le=300, validation_alias="DESKPILOT_MCP_TIMEOUT")
    retention_days: float = Field(
        default=7,
        gt=0,
        validation_alias="DESKPILOT_INTEGRATIONS_RETENTION_DAYS",
        description="days to keep once-only bookkeeping (tool attempts, processed events) and expired OAuth states",
    )
    webhook_base_url: str = Field(
        default="",
        validation_alias="DESKPILOT_WEBHOOK_BASE_URL",
        description="public base URL of the API as providers call it (HubSpot signs the full URL); empty: as received",
    )
