"""Settings of the conversation service."""

from pydantic import Field

from libs.platform.settings import ServiceSettings


class ConversationSettings(ServiceSettings):
    max_message_chars: int = Field(default=8000, validation_alias="DESKPILOT_MAX_MESSAGE_CHARS", ge=1)
