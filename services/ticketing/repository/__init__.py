"""Every SQL statement of the ticketing service: tickets, agents and SLA policies (``tickets``), and what
data-subject requests need (``privacy``)."""

from services.ticketing.repository.privacy import PrivacyRepository
from services.ticketing.repository.tickets import (
    AgentRepository,
    AgentRow,
    DueBreach,
    InboxFilter,
    NoteRow,
    SlaKind,
    SlaPolicyRepository,
    TicketRepository,
    TicketRow,
)

__all__ = [
    "AgentRepository",
    "AgentRow",
    "DueBreach",
    "InboxFilter",
    "NoteRow",
    "PrivacyRepository",
    "SlaKind",
    "SlaPolicyRepository",
    "TicketRepository",
    "TicketRow",
]
