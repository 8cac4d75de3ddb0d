"""Single sign-on fetches only from public addresses, and from this machine (a local issuer) only when the operator
allows it (``DESKPILOT_SSO_ALLOW_LOCAL_ISSUERS``): an issuer, or a key set its discovery document names, that
resolves into the operator's network (or a cloud metadata service) is refused before anything is fetched from it."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from libs.platform.destinations import Destinations
from services.ticketing.oidc import PUBLIC, IssuerUnavailable, OidcClient
from services.ticketing.tests.fake_issuer import CLIENT_ID, FakeIssuer
from tests.support import serving

ANSWERS = {"idp.example": ["10.0.0.7"], "meta.example": ["100.100.100.200"]}


async def resolve(host: str, _port: int) -> list[str]:
    return ANSWERS.get(host) or [host]  # an address literal is its own answer


class MetadataKeys(FakeIssuer):
    """An issuer whose discovery document names a key set on a cloud metadata address."""

    async def discovery(self, _request: Request) -> Response:
        doc: dict[str, Any] = {
            "issuer": self.base_url,
            "authorization_endpoint": f"{self.base_url}/authorize",
            "token_endpoint": f"{self.base_url}/token",
            "jwks_uri": "http://meta.example/latest/meta-data/jwks",
        }
        return JSONResponse(doc)


@pytest.mark.parametrize("issuer", ["https://idp.example", "https://meta.example", "https://100.100.100.200"])
async def test_an_issuer_in_a_private_network_is_refused(issuer: str) -> None:
    oidc = OidcClient(destinations=Destinations(allow_loopback=True, resolve=resolve))
    with pytest.raises(IssuerUnavailable, match="private address") as refused:
        await oidc.provider(issuer)
    assert refused.value.status == 502


async def test_a_key_set_on_a_metadata_address_is_refused() -> None:
    oidc = OidcClient(destinations=Destinations(allow_loopback=True, resolve=resolve))
    async with serving(MetadataKeys(redirect_uris=[])) as fake:
        provider = await oidc.provider(fake.base_url)  # the local issuer itself is allowed, as before
        with pytest.raises(IssuerUnavailable, match=r"key set \(JWKS\) may not be fetched: meta\.example"):
            await oidc.verify(provider, {"id_token": "not-fetched-anyway"}, CLIENT_ID, "nonce")


async def test_a_local_issuer_is_refused_unless_the_operator_allows_local_issuers() -> None:
    """By default (what ``create_app`` uses with the setting off) a tenant cannot point the service at this machine's
    own ports; the same issuer is fetched once the operator allows local issuers."""
    async with serving(FakeIssuer(redirect_uris=[])) as fake:
        with pytest.raises(IssuerUnavailable, match="private address"):
            await OidcClient(destinations=PUBLIC).provider(fake.base_url)
        provider = await OidcClient(destinations=Destinations(allow_loopback=True)).provider(fake.base_url)
    assert provider.issuer == fake.base_url
