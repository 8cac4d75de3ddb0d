"""Settings of the billing service."""

from libs.platform.settings import ServiceSettings


class BillingSettings(ServiceSettings):
    pass
