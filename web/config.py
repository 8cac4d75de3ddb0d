"""Settings of the web front end, from the environment (``DESKPILOT_WEB_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    api_url: str = Field(
        default="http://127.0.0.1:8000",
        validation_alias="DESKPILOT_WEB_API_URL",
        description="base URL of the platform's public API (the gateway, an ingress, or nginx), as the server sees it",
    )
    service_urls: dict[str, str] = Field(
        default_factory=dict,
        validation_alias="DESKPILOT_WEB_SERVICE_URLS",
        description="where each service's public API is, when no single gateway routes them (Kubernetes): a JSON "
        'object such as {"conversation": "http://deskpilot-conversation:8000", …}; services left out use api_url',
    )
    public_url: str | None = Field(
        default=None,
        validation_alias="DESKPILOT_WEB_PUBLIC_URL",
        description="where browsers reach these pages (e.g. https://desk.example.com), for single sign-on's redirect "
        "URI <public_url>/web/sso/callback; without it, the request's own address",
    )
    demo_widget_key: str | None = Field(
        default=None,
        validation_alias="DESKPILOT_WEB_DEMO_WIDGET_KEY",
        description="the widget key /widget/demo embeds (deskpilot up creates one for the demo tenant)",
    )
    secure_cookies: bool = Field(
        default=True,
        validation_alias="DESKPILOT_WEB_SECURE_COOKIES",
        description="mark the session cookie Secure (browsers treat http://127.0.0.1 and localhost as secure)",
    )
    database_url: SecretStr | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="PostgreSQL for the sealed sign-in sessions (web.sessions), shared by replicas and kept across "
        "restarts; without it sessions live in this process's memory",
    )
    database_owner_url: SecretStr | None = Field(
        default=None,
        validation_alias="DATABASE_OWNER_URL",
        description="the role that creates web.sessions and grants DATABASE_URL's role its use (decision 0027)",
    )
    openapi_document: Path = Field(
        default=Path(__file__).resolve().parents[1] / "docs" / "openapi.json",
        validation_alias="DESKPILOT_WEB_OPENAPI_DOCUMENT",
        description="the public API's OpenAPI document served at /openapi.json (the image sets where it put it)",
    )
    session_hours: float = Field(default=12.0, validation_alias="DESKPILOT_WEB_SESSION_HOURS", gt=0, le=24 * 30)
    api_timeout: float = Field(default=15.0, validation_alias="DESKPILOT_WEB_API_TIMEOUT", gt=0)
