"""Settings of the integrations service."""

from libs.platform.settings import ServiceSettings


class IntegrationsSettings(ServiceSettings):
    pass
