"""Signing in and out, who is signed in, what their role allows, and CSRF checks on every state change.

A person signs in with the e-mail and password of their human-agent account; ticketing's public API checks them
(``POST /v1/tickets/sessions``) and returns a sign-in key that the server keeps in its session store
(``web/sessions.py``). Single sign-on through the tenant's identity provider ends the same way (``web/sso.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Literal, TypeAlias
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.response import Redirect

from web.api import ApiError, PublicApi
from web.config import WebSettings
from web.pages import page
from web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    csrf_ok,
    fetch_site_ok,
    new_token,
)
from web.sessions import Session, SessionStore, fingerprint

log = logging.getLogger("deskpilot.web")
SIGN_IN_COOKIE = "__Host-dp_signin"
# A new sign-in key reaches each service through the event log within moments; a 401 from a service that has not
# heard of it yet is retried for this long.
FRESH_SESSION_S = 10.0


class SignInRequired(Exception):
    """No (valid) session: the person is sent to the sign-in page, and back here afterwards."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


class NotAllowed(Exception):
    """Signed in, but the role does not allow this page or action (403)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class CsrfRefused(Exception):
    """A state-changing request without this session's CSRF token, or from another site (403)."""


def cookie(
    name: str, value: str, max_age: int | None, settings: WebSettings, samesite: Literal["strict", "lax"] = "strict"
) -> Cookie:
    return Cookie(
        key=name,
        value=value,
        path="/",
        httponly=True,
        secure=settings.secure_cookies,
        samesite=samesite,
        max_age=max_age,
    )


def safe_next(next_url: str | None) -> str:
    """Only a path on this site (never ``//host`` or a scheme) may be returned to after signing in."""
    if next_url and next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url:
        return next_url
    return "/inbox"


STATE_SESSION = "web_session"
STATE_SESSION_ID = "web_session_id"
STATE_PRINT = "web_session_print"


async def load_session(request: Request[Any, Any, Any]) -> None:
    """Before every handler: the request's session from the store (once), kept on the request's state."""
    session_id = request.cookies.get(SESSION_COOKIE)
    store: SessionStore = request.app.state.store
    session = await store.get(session_id) if session_id else None
    request.state[STATE_SESSION] = session
    request.state[STATE_SESSION_ID] = session_id
    request.state[STATE_PRINT] = fingerprint(session) if session else None


async def save_session(message: Any, scope: Any) -> None:
    """Before the response leaves: a session the request changed (news for the next page, a secret shown once,
    a crawl started) is written back, so the page the browser goes to next — on any replica — sees it."""
    if message["type"] != "http.response.start":
        return
    state = scope.get("state") or {}
    session, session_id = state.get(STATE_SESSION), state.get(STATE_SESSION_ID)
    if session is None or not session_id or fingerprint(session) == state.get(STATE_PRINT):
        return
    store: SessionStore = scope["app"].state.store
    await store.save(session_id, session)
    state[STATE_PRINT] = fingerprint(session)


def current(request: Request[Any, Any, Any], _store: SessionStore | None = None) -> Session | None:
    session: Session | None = request.state.get(STATE_SESSION)
    return session


def signed_in(request: Request[Any, Any, Any], store: SessionStore, role: str = "agent") -> Session:
    """The session of the request, with at least ``role``; else sign in (no session) or 403 (role)."""
    session = current(request, store)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(target)
    if not session.at_least(role):
        raise NotAllowed(f"this page needs the {role} role; you are signed in as {session.role}")
    return session


async def checked_form(request: Request[Any, Any, Any], session: Session) -> dict[str, str]:
    """The posted form, once the request is shown to come from this site with this session's CSRF token."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    token = fields.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER)
    if not fetch_site_ok(request.headers.get("sec-fetch-site")) or not csrf_ok(session.csrf, token):
        raise CsrfRefused
    return fields


class SessionApi:
    """The public API as the signed-in person: their sign-in key on every call."""

    def __init__(self, api: PublicApi, session: Session) -> None:
        self.api, self.session = api, session

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        delay = 0.05
        while True:
            try:
                return await self.api.call(method, path, key=self.session.api_key, **kwargs)
            except ApiError as exc:
                young = time.time() - self.session.started < FRESH_SESSION_S
                if exc.status != 401 or not young:
                    raise
            await asyncio.sleep(delay)  # the service has not learnt the new key from the log yet: ask again
            delay = min(delay * 2, 0.5)

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.call("POST", path, **kwargs)


def layout(session: Session, **context: Any) -> dict[str, Any]:
    """What the layout needs on every signed-in page."""
    return {
        "user": session.agent | {"role": session.role},
        "csrf": session.csrf,
        "flash": session.take_flash(),
        **context,
    }


class AuthController(Controller):
    path = "/web"

    @get("/sign-in")
    async def sign_in_form(self, settings: NamedDependency[WebSettings], next: str | None = None) -> Response[str]:
        return sign_in_page(settings, safe_next(next))

    @post("/sign-in")
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        api: NamedDependency[PublicApi],
        store: NamedDependency[SessionStore],
        settings: NamedDependency[WebSettings],
    ) -> Response[Any]:
        form = await request.form()
        fields: Mapping[str, Any] = dict(form.items())
        next_url = safe_next(str(fields.get("next") or ""))
        # Login CSRF: the form carries the token of a cookie only this site could have set.
        expected = request.cookies.get(SIGN_IN_COOKIE) or ""
        if not fetch_site_ok(request.headers.get("sec-fetch-site")) or not csrf_ok(expected, fields.get(CSRF_FIELD)):
            raise CsrfRefused
        body = {"email": str(fields.get("email", "")), "password": str(fields.get("password", ""))}
        try:
            signed = await api.post("/v1/tickets/sessions", json_body=body)
        except ApiError as exc:
            message = {
                401: "Wrong e-mail or password.",
                422: "Enter your e-mail address and password.",
                429: "Too many failed attempts. Try again in a few minutes.",
            }.get(exc.status, "Signing in is not possible right now.")
            status = exc.status if exc.status in (401, 422, 429) else 503
            return sign_in_page(settings, next_url, message, status)
        redirect: Response[Any] = Redirect(next_url, status_code=303)
        await open_session(redirect, signed, store, settings)
        return redirect

    @post("/sign-out")
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        api: NamedDependency[PublicApi],
        store: NamedDependency[SessionStore],
    ) -> Response[Any]:
        session = signed_in(request, store)
        await checked_form(request, session)
        await store.drop(request.cookies.get(SESSION_COOKIE))
        request.state[STATE_SESSION] = None
        with contextlib.suppress(ApiError):  # already ended or expired: the key is refused either way
            await api.call("DELETE", "/v1/tickets/sessions/current", key=session.api_key)
        redirect: Response[Any] = Redirect(f"/web/sign-in?next={quote('/inbox', safe='')}", status_code=303)
        redirect.delete_cookie(SESSION_COOKIE, path="/")
        return redirect


def sign_in_page(
    settings: WebSettings, next_url: str, error: str | None = None, status: int = 200, *, sso_tenant: str = ""
) -> Response[str]:
    """The sign-in page (password, or single sign-on by organisation), with a fresh login-CSRF token."""
    token = new_token()
    response = page(
        "sign_in.html", status_code=status, next=next_url, signin_token=token, error=error, sso_tenant=sso_tenant
    )
    response.set_cookie(cookie(SIGN_IN_COOKIE, token, 600, settings))
    return response


async def open_session(
    response: Response[Any], signed: Mapping[str, Any], store: SessionStore, settings: WebSettings
) -> None:
    """Keep a sign-in (``SignedIn`` of ticketing's API, by password or single sign-on) as a new session, its
    cookie on ``response``."""
    expires = min(time.time() + settings.session_hours * 3600, _epoch(signed["expires_at"]))
    session = Session(
        api_key=signed["session_key"],
        key_id=signed["key_id"],
        tenant_id=signed["tenant_id"],
        agent=signed["agent"],
        csrf=new_token(),
        expires_at=expires,
    )
    session_id = await store.create(session)
    response.set_cookie(cookie(SESSION_COOKIE, session_id, int(expires - time.time()), settings))
    response.delete_cookie(SIGN_IN_COOKIE, path="/")


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def refusal_page(status: int, title: str, detail: str) -> Response[str]:
    return page("error.html", status_code=status, title=title, detail=detail)


def on_sign_in_required(_request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return Redirect(f"/web/sign-in?next={quote(exc.next_url, safe='')}", status_code=303)


def on_not_allowed(_request: Request[Any, Any, Any], exc: NotAllowed) -> Response[str]:
    return refusal_page(403, "Not allowed", exc.detail)


def on_csrf(_request: Request[Any, Any, Any], _exc: CsrfRefused) -> Response[str]:
    return refusal_page(
        403, "Request refused", "This form was not sent from this site with your session's token (CSRF protection)."
    )


def on_api_error(request: Request[Any, Any, Any], exc: ApiError) -> Response[Any]:
    if exc.status == 401:
        # The sign-in key was revoked or expired (or the account deactivated): sign in again.
        return on_sign_in_required(request, SignInRequired(request.url.path))
    titles = {403: "Not allowed", 404: "Not found", 503: "Unavailable"}
    return refusal_page(exc.status if exc.status in titles else 502, titles.get(exc.status, "Error"), exc.detail)


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    # Never shown to the browser (it may hold data that must not leave); it is in this process's log.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return refusal_page(500, "Something went wrong", "The error is in the web front end's log.")


def on_http_error(_request: Request[Any, Any, Any], exc: HTTPException) -> Response[str]:
    return refusal_page(exc.status_code, "Error" if exc.status_code != 404 else "Not found", str(exc.detail))


Told: TypeAlias = Callable[[Any], tuple[str, str]]
"""What to tell the person, as (kind, words), from what an accepted call answered (a save that carries a problem)."""


async def act(
    session: Session,
    back: str,
    done: str | Told,
    call: Any,
    *,
    refused: str = "",
    reasons: Mapping[int, str] | None = None,
) -> Redirect:
    """Run one API call for a form; tell the person how it went on the page they return to (``back``): ``done`` (or
    what ``done`` makes of the answer), or the API's reason for refusing (``reasons`` may word a status better),
    after ``refused`` when given."""
    try:
        answer = await call
    except ApiError as exc:
        if exc.status == 401:
            raise
        reason = (reasons or {}).get(exc.status) or exc.detail or f"refused ({exc.status})"
        session.say("error", f"{refused}: {reason}." if refused else reason)
    else:
        session.say(*done(answer)) if callable(done) else session.say("ok", done)
    return Redirect(back, status_code=303)
