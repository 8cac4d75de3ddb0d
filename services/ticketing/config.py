"""Settings of the ticketing service."""

from pydantic import Field

from libs.platform.settings import ServiceSettings


class TicketingSettings(ServiceSettings):
    # How long a human agent's sign-in key works (the web inbox signs in with it).
    session_hours: float = Field(default=12.0, validation_alias="DESKPILOT_TICKETING_SESSION_HOURS", gt=0, le=24 * 30)
    # Failed sign-ins per e-mail address allowed in a 15-minute window, per ticketing process.
    sign_in_failures: int = Field(default=10, validation_alias="DESKPILOT_TICKETING_SIGN_IN_FAILURES", ge=1)
    # Let tenants' single sign-on issuers be on this machine (http://localhost, 127.0.0.1, [::1]): a local identity
    # provider in development and tests. Off, discovery, keys and tokens come only from public addresses (SSRF).
    sso_allow_local_issuers: bool = Field(default=False, validation_alias="DESKPILOT_SSO_ALLOW_LOCAL_ISSUERS")
