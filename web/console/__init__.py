"""The operator console (owners and admins): knowledge base, integrations, policies and limits, analytics, a
conversation's event log as a timeline, the tenant's keys and its support e-mail addresses. Every page is built from
public API calls made with the signed-in person's key; an agent gets 403 on every page here."""

from web.console.analytics import AnalyticsController
from web.console.keys import KeysController
from web.console.knowledge import KnowledgeController
from web.console.privacy import PrivacyController
from web.console.procedures import ProcedureCheckController, ProceduresController
from web.console.releases import ReleasesController
from web.console.replays import ConversationsController, ReplaysController
from web.console.settings import IntegrationsController, PoliciesController
from web.console.simulations import SimulationsController
from web.console.support_addresses import SupportAddressesController

__all__ = [
    "AnalyticsController",
    "ConversationsController",
    "IntegrationsController",
    "KeysController",
    "KnowledgeController",
    "PoliciesController",
    "PrivacyController",
    "ProcedureCheckController",
    "ProceduresController",
    "ReleasesController",
    "ReplaysController",
    "SimulationsController",
    "SupportAddressesController",
]
