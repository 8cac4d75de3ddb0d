"""Settings every service shares; each service's ``config.py`` subclasses this with its own fields."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Read from the environment (and ``.env``). ``DATABASE_URL`` and ``NATS_URL`` are shared by all services."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/deskpilot",
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL of PostgreSQL with pgvector (asyncpg driver)",
    )
    database_owner_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_OWNER_URL",
        description="URL of the role that owns the schemas and runs the migrations; DATABASE_URL's role then only "
        "uses the tables, under row-level security (docs/operations.md)",
    )
    nats_url: str = Field(default="nats://127.0.0.1:4222", validation_alias="NATS_URL")
    stream_replicas: int = Field(default=1, validation_alias="DESKPILOT_STREAM_REPLICAS", ge=1, le=5)
    max_body_bytes: int = Field(default=256 * 1024, validation_alias="DESKPILOT_MAX_BODY_BYTES")
    operator_key: SecretStr | None = Field(
        default=None,
        validation_alias="DESKPILOT_OPERATOR_KEY",
        min_length=32,
        description="The operator's key for the operator API (`/v1/operator/…`, `Authorization: Bearer <key>`); "
        "without it that API answers 401 to everyone. `deskpilot up` generates one (docs/operations.md)",
    )
