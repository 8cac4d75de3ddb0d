"""The single sign-on API of ticketing (OpenID Connect; see ``services/ticketing/sso.py``).

``/v1/tickets/sso`` (GET, PUT, DELETE) is the tenant's configuration, for its owners. The sign-in itself needs no
key (it is how a person gets one): ``POST /v1/tickets/sso/authorizations`` starts it, ``POST
/v1/tickets/sso/sessions`` finishes it with what the issuer sent the browser back with. Errors: 401 the sign-in
does not hold (wrong audience, expired or badly signed ID token, foreign nonce, unknown or used state — ``detail``
says which), 403 no role or a deactivated account, 404 no single sign-on for the tenant, 502 the issuer failed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import JSONBody
from litestar.status_codes import (
    HTTP_201_CREATED,
    HTTP_204_NO_CONTENT,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_502_BAD_GATEWAY,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from libs.platform.http import Runtime
from libs.platform.row_security import tenant_scope
from services.ticketing import sso
from services.ticketing.account_endpoints import Settings
from services.ticketing.endpoints import AUTH, CurrentCaller, agent_view, domain_errors
from services.ticketing.oidc import OidcClient, SsoRefused
from services.ticketing.repository import SsoConfigRow, SsoRepository
from services.ticketing.schemas import (
    SignedIn,
    SsoAuthorization,
    SsoAuthorizationIn,
    SsoConfig,
    SsoConfigIn,
    SsoSessionIn,
)

Oidc = NamedDependency[OidcClient]
Keys = NamedDependency[sso.TenantKeys]


@contextmanager
def refusals(*_statuses: int) -> Iterator[None]:
    """Single sign-on's failures as the platform's problem+json answers, each with its reason. A handler names the
    statuses it may answer (``_statuses``), which is how the API contract documents them (``deskpilot.contract``)."""
    try:
        with domain_errors():
            yield
    except SsoRefused as exc:
        raise HTTPException(status_code=exc.status, detail=exc.detail) from None
    except sso.SsoNotConfigured as exc:
        raise NotFoundException(str(exc)) from None


def _config(row: SsoConfigRow) -> SsoConfig:
    return SsoConfig(
        issuer=row.issuer,
        client_id=row.client_id,
        client_secret_set=bool(row.client_secret_sealed),
        role_claim=row.role_claim,
        role_values=row.role_values,
        default_role=row.default_role,
        updated_at=row.updated_at,
        issuer_problem=row.issuer_problem,
    )


class SsoController(Controller):
    path = "/v1/tickets/sso"
    dependencies = AUTH

    @get("/")
    async def show(self, caller: CurrentCaller, runtime: Runtime) -> SsoConfig:
        """The tenant's single sign-on (admins), without the client secret; 404 when there is none."""
        with refusals(HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN):
            caller.require_admin()
        async with runtime.db.session() as session:
            row = await SsoRepository(session).config(caller.tenant_id)
        if row is None:
            raise NotFoundException("single sign-on is not configured")
        return _config(row)

    @put("/")
    async def configure(
        self, caller: CurrentCaller, data: JSONBody[SsoConfigIn], runtime: Runtime, oidc: Oidc, keys: Keys
    ) -> SsoConfig:
        """Set the tenant's OpenID Connect identity provider (owners). The issuer's discovery document is read now,
        and the configuration saved whatever it answers: ``issuer_problem`` says why it could not be read (sign-ins
        fail until it can), as a crawl of a host that does not resolve fails the crawl, not the request. The client
        secret is sealed; leave it out to keep it (409 when none is stored yet)."""
        wanted = sso.SsoSettings(**data.model_dump())
        with refusals(HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN, HTTP_409_CONFLICT):
            async with runtime.unit_of_work() as uow:
                row = await sso.configure(uow, caller, keys, oidc, wanted)
        return _config(row)

    @delete("/", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, caller: CurrentCaller, runtime: Runtime) -> None:
        """Turn single sign-on off (owners); sign-ins already made last until they expire. Idempotent."""
        with refusals(HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN):
            caller.require_owner()
            async with runtime.unit_of_work() as uow:
                await SsoRepository(uow.session).drop_config(caller.tenant_id)

    @post("/authorizations", status_code=HTTP_201_CREATED)
    async def start(
        self, data: JSONBody[SsoAuthorizationIn], runtime: Runtime, oidc: Oidc, keys: Keys
    ) -> SsoAuthorization:
        """Start a single sign-on (no key): the issuer's authorization URL (code flow, PKCE, state, nonce) and the
        state, which works once, for 10 minutes."""
        with refusals(HTTP_404_NOT_FOUND, HTTP_502_BAD_GATEWAY), tenant_scope(data.tenant_id):
            async with runtime.unit_of_work() as uow:
                url, state = await sso.begin(uow, data.tenant_id, data.redirect_uri, keys, oidc)
        return SsoAuthorization(authorization_url=url, state=state)

    @post("/sessions", status_code=HTTP_201_CREATED)
    async def finish(
        self, data: JSONBody[SsoSessionIn], runtime: Runtime, oidc: Oidc, keys: Keys, settings: Settings
    ) -> SignedIn:
        """Finish a single sign-on (no key): the code is traded at the issuer, its ID token verified, the role claim
        mapped, and a sign-in key (``dps_…``, shown once) issued for the agent the issuer's subject is — made on
        its first sign-in. The state is used up even when the sign-in is refused."""
        statuses = (HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND, HTTP_502_BAD_GATEWAY)
        with refusals(*statuses, HTTP_503_SERVICE_UNAVAILABLE), tenant_scope(data.tenant_id):
            async with runtime.unit_of_work() as uow:
                config, redirect_uri = await sso.take_attempt(uow, data.tenant_id, data.state)
            proof = await sso.prove(config, redirect_uri, data.state, data.code, keys, oidc)
            async with runtime.unit_of_work() as uow:
                new, agent = await sso.sign_in(uow, proof, timedelta(hours=settings.session_hours))
        assert new.row.expires_at is not None  # a sign-in key always expires
        return SignedIn(
            session_key=new.key,
            key_id=new.row.key_id,
            expires_at=new.row.expires_at,
            tenant_id=agent.tenant_id,
            agent=agent_view(agent),
        )
