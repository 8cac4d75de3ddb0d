"""Settings of the conversation service."""

from pydantic import Field

from libs.platform.settings import ServiceSettings


class ConversationSettings(ServiceSettings):
    max_message_chars: int = Field(default=8000, validation_alias="DESKPILOT_MAX_MESSAGE_CHARS", ge=1)
    # The turn sweep (turn_sweep.py): a customer message with no answer and no progress for this long is resumed,
    # then handed to a human after as long again; how often the sweep looks.
    turn_stall_seconds: float = Field(default=15.0, validation_alias="DESKPILOT_TURN_STALL_SECONDS", gt=0)
    turn_sweep_seconds: float = Field(default=5.0, validation_alias="DESKPILOT_TURN_SWEEP_SECONDS", gt=0)
    # Email channel: an SMTP server inside the service (off by default) and the relay outbound replies go through.
    smtp_enabled: bool = Field(default=False, validation_alias="DESKPILOT_SMTP_ENABLED")
    smtp_host: str = Field(default="127.0.0.1", validation_alias="DESKPILOT_SMTP_HOST")
    smtp_port: int = Field(default=2525, validation_alias="DESKPILOT_SMTP_PORT", ge=0, le=65535)
    smtp_relay_host: str = Field(default="127.0.0.1", validation_alias="DESKPILOT_SMTP_RELAY_HOST")
    smtp_relay_port: int = Field(default=25, validation_alias="DESKPILOT_SMTP_RELAY_PORT", ge=1, le=65535)
    # Registering a support address mails a code to it, from this sender, through the relay; the code is good for
    # this long and for this many tries (services/conversation/mail_addresses.py).
    email_verification_from: str = Field(
        default="verify@deskpilot.localhost", validation_alias="DESKPILOT_EMAIL_VERIFICATION_FROM"
    )
    email_verification_seconds: float = Field(
        default=86400.0, validation_alias="DESKPILOT_EMAIL_VERIFICATION_SECONDS", gt=0
    )
    email_verification_attempts: int = Field(default=5, validation_alias="DESKPILOT_EMAIL_VERIFICATION_ATTEMPTS", ge=1)
    # How often the retention run erases what each tenant's retention expired (services/conversation/retention.py).
    retention_run_seconds: float = Field(default=3600.0, validation_alias="DESKPILOT_RETENTION_RUN_SECONDS", gt=0)
    # Web chat: keep-alive comments on idle server-sent-event streams, so that proxies do not cut them.
    sse_keepalive_seconds: float = Field(default=15.0, validation_alias="DESKPILOT_SSE_KEEPALIVE_SECONDS", gt=0)
    # An open chat socket re-checks its widget key in the database this often (on a client message), in case the
    # revocation notice on NATS was missed.
    widget_recheck_seconds: float = Field(default=30.0, validation_alias="DESKPILOT_WIDGET_RECHECK_SECONDS", ge=0)
    # Web chat rate limits (token buckets in this process): a sustained rate per minute and a burst, per widget key
    # and per client IP, for opening conversations and for posting messages.
    widget_key_conversations_per_minute: float = Field(
        default=600.0, validation_alias="DESKPILOT_WIDGET_KEY_CONVERSATIONS_PER_MINUTE", gt=0
    )
    widget_key_conversation_burst: int = Field(
        default=300, validation_alias="DESKPILOT_WIDGET_KEY_CONVERSATION_BURST", ge=1
    )
    widget_ip_conversations_per_minute: float = Field(
        default=10.0, validation_alias="DESKPILOT_WIDGET_IP_CONVERSATIONS_PER_MINUTE", gt=0
    )
    widget_ip_conversation_burst: int = Field(
        default=20, validation_alias="DESKPILOT_WIDGET_IP_CONVERSATION_BURST", ge=1
    )
    widget_key_messages_per_minute: float = Field(
        default=600.0, validation_alias="DESKPILOT_WIDGET_KEY_MESSAGES_PER_MINUTE", gt=0
    )
    widget_key_message_burst: int = Field(default=300, validation_alias="DESKPILOT_WIDGET_KEY_MESSAGE_BURST", ge=1)
    widget_ip_messages_per_minute: float = Field(
        default=30.0, validation_alias="DESKPILOT_WIDGET_IP_MESSAGES_PER_MINUTE", gt=0
    )
    widget_ip_message_burst: int = Field(default=20, validation_alias="DESKPILOT_WIDGET_IP_MESSAGE_BURST", ge=1)
