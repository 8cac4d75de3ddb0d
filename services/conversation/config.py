"""Settings of the conversation service."""

from pydantic import Field

from libs.platform.settings import ServiceSettings


class ConversationSettings(ServiceSettings):
    max_message_chars: int = Field(default=8000, validation_alias="DESKPILOT_MAX_MESSAGE_CHARS", ge=1)
    # Email channel: an SMTP server inside the service (off by default) and the relay outbound replies go through.
    smtp_enabled: bool = Field(default=False, validation_alias="DESKPILOT_SMTP_ENABLED")
    smtp_host: str = Field(default="127.0.0.1", validation_alias="DESKPILOT_SMTP_HOST")
    smtp_port: int = Field(default=2525, validation_alias="DESKPILOT_SMTP_PORT", ge=0, le=65535)
    smtp_relay_host: str = Field(default="127.0.0.1", validation_alias="DESKPILOT_SMTP_RELAY_HOST")
    smtp_relay_port: int = Field(default=25, validation_alias="DESKPILOT_SMTP_RELAY_PORT", ge=1, le=65535)
