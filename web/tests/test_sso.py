"""The web front end's half of single sign-on: the issuer's answer counts only with the state of the attempt this
browser started (kept in its cookie); anything else is refused on the sign-in page before ticketing is asked, and
no session is made. (The whole flow, against a real issuer, is in services/ticketing/tests/test_sso.py and
tests/browser/test_sso.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

import httpx2
import pytest

from web.app import create_app
from web.config import WebSettings
from web.security import SESSION_COOKIE
from web.sso import SSO_COOKIE, Attempt

# Nothing listens there: a test that reached ticketing would fail with 503, not the refusal it checks.
SETTINGS = WebSettings.model_validate({"DESKPILOT_WEB_API_URL": "http://127.0.0.1:9"})


@pytest.fixture
async def web() -> AsyncIterator[httpx2.AsyncClient]:
    transport = httpx2.ASGITransport(app=cast(Any, create_app(SETTINGS)))
    async with httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


def attempt_cookie(state: str, next_url: str = "/console") -> dict[str, str]:
    return {"cookie": f"{SSO_COOKIE}={Attempt(state, 'ten_1', next_url).cookie_value()}"}


def sets_session(response: httpx2.Response) -> bool:
    return any(h.startswith(f"{SESSION_COOKIE}=") for h in response.headers.get_list("set-cookie"))


@pytest.mark.parametrize(
    ("query", "headers"),
    [
        ("state=attackers&code=c1", attempt_cookie("mine")),  # another sign-in's state (login CSRF)
        ("state=mine&code=c1", {}),  # not started in this browser (or the cookie expired)
        ("code=c1", attempt_cookie("mine")),  # no state at all
    ],
)
async def test_a_state_that_is_not_this_browsers_is_refused_without_a_session(
    web: httpx2.AsyncClient, query: str, headers: dict[str, str]
) -> None:
    r = await web.get(f"/web/sso/callback?{query}", headers=headers)
    assert r.status_code == 400, r.text
    assert "the state does not match" in r.text
    assert not sets_session(r)
    assert any(h.startswith(f"{SSO_COOKIE}=") and "Max-Age=0" in h for h in r.headers.get_list("set-cookie"))


async def test_the_issuers_refusal_is_shown_and_makes_no_session(web: httpx2.AsyncClient) -> None:
    r = await web.get(
        "/web/sso/callback?state=mine&error=access_denied&error_description=user+cancelled",
        headers=attempt_cookie("mine"),
    )
    assert r.status_code == 401, r.text
    assert "access_denied: user cancelled" in r.text
    assert not sets_session(r)


def test_the_attempt_cookie_keeps_only_a_local_next_page() -> None:
    kept = Attempt.from_cookie(Attempt("s|1", "ten 1", "/console/keys?x=1|2").cookie_value())
    assert kept == Attempt("s|1", "ten 1", "/console/keys?x=1|2")
    assert Attempt.from_cookie(Attempt("s", "t", "//evil.example").cookie_value()) == Attempt("s", "t", "/inbox")
    assert Attempt.from_cookie("garbage") is None
    assert Attempt.from_cookie(None) is None
