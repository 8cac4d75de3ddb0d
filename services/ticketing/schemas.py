"""Request and response models of the ticketing API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from libs.platform.http import JsonBool
from services.ticketing.oidc import ISSUER_URL, check_issuer_url

Priority = Literal["low", "normal", "high", "urgent"]
Status = Literal["open", "pending", "resolved"]
Role = Literal["owner", "admin", "agent"]
Availability = Literal["available", "away"]
Tag = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sla(BaseModel):
    first_response_due_at: datetime
    first_responded_at: datetime | None
    first_response_breached_at: datetime | None
    resolution_due_at: datetime
    resolved_at: datetime | None
    resolution_breached_at: datetime | None


class Csat(BaseModel):
    score: int
    comment: str | None
    at: datetime


class Ticket(BaseModel):
    ticket_id: str
    conversation_id: str
    source: str
    subject: str
    summary: str
    priority: str
    status: str
    assignee: str | None
    team: str | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    sla: Sla
    csat: Csat | None


class TicketList(BaseModel):
    items: list[Ticket]


class TicketChange(Request):
    """Fields to change; omitted ones stay."""

    # Omitted is "keep"; null is refused, so the contract does not offer it (SkipJsonSchema).
    priority: Priority | SkipJsonSchema[None] = None
    team: str | None = Field(default=None, max_length=100)
    tags: list[Tag] | SkipJsonSchema[None] = Field(default=None, max_length=50)

    @field_validator("priority", "tags")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Runs only for values sent (defaults are not validated): omit a field to keep it; null is no value here.
        if value is None:
            raise ValueError("may be omitted but not null")
        return value


class StatusChange(Request):
    status: Status


class Assignment(Request):
    """``agent_id`` to assign by hand; omit it (or null) for the next available agent (round-robin)."""

    agent_id: str | None = None


class ReplyIn(Request):
    text: str = Field(min_length=1, max_length=20_000)


class ReplyOut(BaseModel):
    message_id: str
    ticket: Ticket


class NoteIn(Request):
    text: str = Field(min_length=1, max_length=20_000)


class Note(BaseModel):
    note_id: str
    ticket_id: str
    agent_id: str
    text: str
    created_at: datetime


class NoteList(BaseModel):
    items: list[Note]


class CsatIn(Request):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=5_000)


class HumanAgent(BaseModel):
    agent_id: str
    name: str
    email: str | None
    role: str
    team: str | None
    availability: str
    active: bool
    api_key_prefix: str
    created_at: datetime


class NewHumanAgent(Request):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    role: Role = "agent"
    team: str | None = Field(default=None, max_length=100)


class CreatedHumanAgent(HumanAgent):
    api_key: str = Field(description="shown once; only its SHA-256 digest is stored")


class HumanAgentChange(Request):
    """Admins may change any field; an agent may change only its own ``availability``."""

    availability: Availability | SkipJsonSchema[None] = None
    role: Role | SkipJsonSchema[None] = None
    team: str | SkipJsonSchema[None] = Field(default=None, max_length=100)
    active: JsonBool | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _no_nulls(self) -> HumanAgentChange:
        # Absent means "leave it"; an explicit null would clear a field that always has a value.
        nulls = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} may be left out but not null")
        return self


class HumanAgentList(BaseModel):
    items: list[HumanAgent]


class SlaTarget(BaseModel):
    priority: str
    first_response_seconds: int
    resolution_seconds: int


class SlaTargetIn(Request):
    first_response_seconds: int = Field(ge=1, le=365 * 86400)
    resolution_seconds: int = Field(ge=1, le=365 * 86400)


class SlaPolicy(BaseModel):
    items: list[SlaTarget]


class HandBack(BaseModel):
    """Give the conversation back to the AI."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(default="", max_length=2000)


class PasswordIn(Request):
    """A new password: 10 to 200 characters."""

    password: str = Field(min_length=10, max_length=200)


class SignIn(Request):
    """An agent's e-mail address and password; ``tenant_id`` when the same address signs in to several tenants."""

    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=200)
    tenant_id: str | None = Field(default=None, max_length=64)


class SignedIn(BaseModel):
    session_key: str = Field(description="shown once: send it as 'Authorization: Bearer <key>' until expires_at")
    key_id: str
    expires_at: datetime
    tenant_id: str
    agent: HumanAgent


class NewApiKey(Request):
    """An API key that acts as the tenant: ``admin`` (everything but keys and owners) or ``owner``."""

    name: str = Field(min_length=1, max_length=200)
    role: Literal["owner", "admin"] = "admin"


class ApiKey(BaseModel):
    key_id: str
    name: str
    role: str
    key_prefix: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


class CreatedApiKey(ApiKey):
    api_key: str = Field(description="shown once; only its SHA-256 digest is stored")


class ApiKeyList(BaseModel):
    items: list[ApiKey]
    original_key_active: bool = Field(
        default=True, description="the key the tenant was created with still works (key id 'original' to revoke)"
    )


class Rating(BaseModel):
    ticket_id: str
    conversation_id: str
    score: int
    comment: str | None
    at: datetime
    assignee: str | None


class CsatDay(BaseModel):
    day: date
    ratings: int
    average: Decimal | None = Field(description="mean score of the day's ratings, to two decimals")
    satisfied: int = Field(description="ratings of 4 or 5")


class CsatReport(BaseModel):
    """Customer satisfaction over ``[start, end)``: per day, overall, and every rating (the conversations behind
    each figure)."""

    start: date
    end: date
    ratings: int
    average: Decimal | None
    days: list[CsatDay]
    items: list[Rating]


class SsoConfigIn(Request):
    """The tenant's OpenID Connect identity provider. ``issuer`` is its URL (discovery is read from
    ``<issuer>/.well-known/openid-configuration``); register ``<web>/web/sso/callback`` as its redirect URI.
    ``role_values`` maps values of the ``role_claim`` claim (a string or a list, e.g. groups) to roles; the highest
    wins; none mapped gives ``default_role``, or no sign-in when that is null. ``client_secret`` is stored sealed
    and never shown again; leave it out to keep the stored one."""

    issuer: Annotated[str, AfterValidator(check_issuer_url)] = Field(min_length=8, max_length=500, pattern=ISSUER_URL)
    client_id: str = Field(min_length=1, max_length=300)
    client_secret: str | None = Field(default=None, min_length=1, max_length=2000)
    role_claim: str = Field(default="groups", min_length=1, max_length=100)
    role_values: dict[Annotated[str, Field(min_length=1, max_length=200)], Role] = Field(
        default_factory=dict, max_length=100
    )
    default_role: Role | None = None


class SsoConfig(BaseModel):
    """The tenant's single sign-on, without its secret."""

    issuer: str
    client_id: str
    client_secret_set: bool = Field(description="a client secret is stored (sealed); it is never shown")
    role_claim: str
    role_values: dict[str, str]
    default_role: str | None
    updated_at: datetime
    issuer_problem: str | None = Field(
        description="why the issuer's discovery document could not be read when this was saved: sign-ins fail "
        "(502) until it answers; save again once it does. null: it answered"
    )


class SsoAuthorizationIn(Request):
    """Start a single sign-on for the tenant; ``redirect_uri`` is where the issuer sends the browser back (as
    registered at the issuer)."""

    tenant_id: str = Field(min_length=1, max_length=64)
    redirect_uri: str = Field(min_length=8, max_length=500, pattern=r"^https?://[\x21-\x7e]+$")


class SsoAuthorization(BaseModel):
    authorization_url: str = Field(description="send the browser here")
    state: str = Field(description="the browser must come back with this state; keep it with the browser")


class SsoSessionIn(Request):
    """Finish a single sign-on: the ``state`` and ``code`` the issuer sent the browser back with."""

    tenant_id: str = Field(min_length=1, max_length=64)
    state: str = Field(min_length=1, max_length=200)
    code: str = Field(min_length=1, max_length=4000)
