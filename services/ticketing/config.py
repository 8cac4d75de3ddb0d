"""Settings of the ticketing service."""

from libs.platform.settings import ServiceSettings


class TicketingSettings(ServiceSettings):
    pass
