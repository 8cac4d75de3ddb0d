"""The tenant's data retention (``/v1/privacy/retention``): how long conversations are kept after their last
activity before the hourly retention run erases them (as an erasure request does: keys destroyed, every service
redacts), or kept until erased. Admins and owners see and change it; the API decides who may."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.response import Redirect

from web.auth import SessionApi, act, layout
from web.console.common import (
    AnyRequest,
    Api,
    Store,
    admin,
    admin_form,
)
from web.pages import page

BACK = "/console/privacy"
MOST_DAYS = 36_500


class PrivacyController(Controller):
    path = BACK

    @get("/")
    async def retention(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        """The retention in force and the form that changes it."""
        session = admin(request, store)
        policy = await SessionApi(api, session).get("/v1/privacy/retention")
        return page(
            "console/privacy.html",
            **layout(session, section="console", tab="privacy", days=policy["days"], most_days=MOST_DAYS),
        )

    @post("/retention")
    async def set_retention(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        """Keep conversations ``days`` days after their last activity, or (``keep=forever``) until erased."""
        session, form, user = await admin_form(request, store, api)
        if form.get("keep") == "forever":
            call = user.call("PUT", "/v1/privacy/retention", json_body={"days": None})
            return await act(session, BACK, "Conversations are kept until they are erased.", call)
        text = form.get("days", "").strip()
        if not text.isdigit() or not 1 <= int(text) <= MOST_DAYS:
            session.say("error", f"Not changed: the number of days is a whole number from 1 to {MOST_DAYS}.")
            return Redirect(BACK, status_code=303)
        days = int(text)
        call = user.call("PUT", "/v1/privacy/retention", json_body={"days": days})
        done = f"Conversations are erased {days} day{'' if days == 1 else 's'} after their last activity."
        return await act(session, BACK, done, call)
