"""Every SQL statement of the conversation service: conversations, transcripts, channels (``conversations``), the
projection's one statement per event (``projection``), data-subject requests (``privacy``), the whole read model for
rebuilds (``views``)."""

from services.conversation.repository.conversations import (
    ChatSessionRow,
    ConversationRepository,
    ConversationRow,
    EmailConversationRow,
    QuotaState,
    TranscriptEntry,
    WidgetKeyRow,
    add_widget_key_revocation,
)
from services.conversation.repository.email_addresses import AddressClaim, EmailAddressRepository
from services.conversation.repository.privacy import PrivacyRepository, PrivacyRequestRow
from services.conversation.repository.projection import Advance
from services.conversation.repository.turns import QuietConversation, TurnRepository
from services.conversation.repository.views import ViewRepository

__all__ = [
    "AddressClaim",
    "Advance",
    "ChatSessionRow",
    "ConversationRepository",
    "ConversationRow",
    "EmailAddressRepository",
    "EmailConversationRow",
    "PrivacyRepository",
    "PrivacyRequestRow",
    "QuietConversation",
    "QuotaState",
    "TranscriptEntry",
    "TurnRepository",
    "ViewRepository",
    "WidgetKeyRow",
    "add_widget_key_revocation",
]
