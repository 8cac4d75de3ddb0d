"""Settings of the knowledge service."""

from libs.platform.settings import ServiceSettings


class KnowledgeSettings(ServiceSettings):
    pass
