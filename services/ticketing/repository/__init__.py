"""Every SQL statement of the ticketing service, one module per aggregate — tickets with their notes, timers and SLA
policies (``tickets.py``), human agents (``agents.py``), passwords and issued keys (``accounts.py``), single sign-on
(``sso.py``), and what data-subject requests need (``privacy.py``) — each returning typed rows; re-exported here."""

from services.ticketing.repository.accounts import (
    AccountRepository,
    IssuedKeyRow,
    KeyKind,
    SignedInAgent,
    SignInCandidate,
)
from services.ticketing.repository.agents import AgentRepository, AgentRow
from services.ticketing.repository.privacy import PrivacyRepository
from services.ticketing.repository.sso import SsoConfigRow, SsoRepository
from services.ticketing.repository.tickets import (
    DueBreach,
    InboxFilter,
    NoteRow,
    RatingRow,
    SlaKind,
    SlaPolicyRepository,
    TicketRepository,
    TicketRow,
)

__all__ = [
    "AccountRepository",
    "AgentRepository",
    "AgentRow",
    "DueBreach",
    "InboxFilter",
    "IssuedKeyRow",
    "KeyKind",
    "NoteRow",
    "PrivacyRepository",
    "RatingRow",
    "SignInCandidate",
    "SignedInAgent",
    "SlaKind",
    "SlaPolicyRepository",
    "SsoConfigRow",
    "SsoRepository",
    "TicketRepository",
    "TicketRow",
]
