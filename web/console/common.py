"""What every console page shares: who may see it, the period of a report, forms that come back with news, and the
page that asks before an action that cannot be undone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.response import Redirect

from web.api import PublicApi
from web.auth import SessionApi, checked_form, layout, signed_in
from web.pages import page
from web.sessions import Session, SessionStore

Api = NamedDependency[PublicApi]
Store = NamedDependency[SessionStore]
AnyRequest = Request[Any, Any, Any]


def admin(request: AnyRequest, store: SessionStore) -> Session:
    """The signed-in owner or admin (an agent is refused with 403)."""
    return signed_in(request, store, "admin")


def period(request: AnyRequest, days: int = 30) -> tuple[date, date]:
    """``[from, to)`` from the query, else the last ``days`` days including today (UTC)."""
    today = datetime.now(UTC).date()
    try:
        start = date.fromisoformat(request.query_params.get("from") or "")
        end = date.fromisoformat(request.query_params.get("to") or "")
    except ValueError:
        return today - timedelta(days=days - 1), today + timedelta(days=1)
    if end <= start or (end - start).days > 366:
        return today - timedelta(days=days - 1), today + timedelta(days=1)
    return start, end


def api_period(start: date, end: date) -> dict[str, str | int]:
    """``[start, end)`` as the report APIs take a period: its first day and how many days it covers."""
    return {"from": start.isoformat(), "days": (end - start).days}


async def admin_form(
    request: AnyRequest, store: SessionStore, api: PublicApi
) -> tuple[Session, dict[str, str], SessionApi]:
    session = admin(request, store)
    form = await checked_form(request, session)
    return session, form, SessionApi(api, session)


@dataclass(frozen=True)
class Confirmation:
    """What the confirmation page shows before an action that cannot be undone (revoking a key, removing a support
    address): what it acts on, what follows, and the one button that does it. It works without JavaScript: a GET
    shows the page, its form posts ``confirm=yes`` to ``action``, and that handler sends a form without the yes
    back here (:func:`confirmed`), so nothing happens at one click."""

    title: str
    subject: str  # the thing acted on, as people recognise it
    effects: list[str]
    action: str
    button: str
    back: str  # the page this comes from (and Cancel goes back to)
    back_label: str
    done: str | None = None  # already done: the page says so and offers no button
    notes: list[str] = field(default_factory=list)
    warning: str | None = None  # shown as an alert: a likely mistake


def confirmed(form: dict[str, str], ask: str) -> Redirect | None:
    """None when the form says yes; else the way to the confirmation page at ``ask`` (nothing is done)."""
    return None if form.get("confirm") == "yes" else Redirect(ask, status_code=303)


def confirmation_page(session: Session, tab: str, confirmation: Confirmation) -> Response[str]:
    return page("console/confirm.html", **layout(session, section="console", tab=tab, confirm=confirmation))
