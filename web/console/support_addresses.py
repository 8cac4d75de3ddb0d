"""The tenant's support e-mail addresses (``/v1/conversations/email-addresses``, decision 0050): each listed with its
state; adding one mails a code to it (the API answers the same whoever holds the address), the code typed here
verifies it, and from then on its mail opens conversations. A pending address can be sent a new code; removing an
address asks first, on the console's confirmation page."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Response, get, post
from litestar.response import Redirect

from web.auth import SessionApi, act, layout
from web.console.common import (
    AnyRequest,
    Api,
    Confirmation,
    Store,
    admin,
    admin_form,
    confirmation_page,
    confirmed,
)
from web.pages import page
from web.sessions import Session

BACK = "/console/email"
PATH = "/v1/conversations/email-addresses"


async def _tell(session: Session, done: str, refused: str, call: Any) -> Redirect:
    """Run one API call; say how it went, a refusal with the API's reason after ``refused``."""
    return await act(session, BACK, done, call, refused=refused, reasons={422: "that is not an e-mail address"})


def removal_path(address: str) -> str:
    """The console page that asks before removing ``address``: the address is one path segment, ``/`` escaped too."""
    return f"{BACK}/{quote(address, safe='')}/remove"


def _removal(address: str, status: str | None) -> Confirmation:
    again = "To receive its mail later, add it again and enter the new code mailed to it."
    effects = [
        f"Mail sent to {address} is refused from now on: it no longer opens conversations here.",
        "Conversations it opened stay as they are, and their replies still go out from it.",
        again,
    ]
    if status == "pending":
        effects = ["The code already mailed to it no longer verifies it.", again]
    return Confirmation(
        title="Remove this support address?",
        subject=address,
        effects=effects,
        action=removal_path(address),
        button="Yes, remove this address",
        back=BACK,
        back_label="Support e-mail",
        done=None if status else f"{address} is not one of your support addresses.",
    )


class SupportAddressesController(Controller):
    path = BACK

    @get("/")
    async def addresses(self, request: AnyRequest, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        listed = (await SessionApi(api, session).get(PATH))["items"]
        listed = [a | {"removal": removal_path(a["address"])} for a in listed]
        context = layout(session, section="console", tab="email", addresses=listed)
        return page("console/support_addresses.html", **context)

    @post("/")
    async def add(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        """Register an address (or send a pending one a new code): the API mails a code to it."""
        session, form, user = await admin_form(request, store, api)
        address = form.get("address", "").strip()
        done = f"A code is on its way to {address}. Enter it below to start receiving that address's mail."
        call = user.post(PATH, json_body={"address": address})
        return await _tell(session, done, f"{address or 'The address'} was not added", call)

    @post("/verify")
    async def verify(self, request: AnyRequest, api: Api, store: Store) -> Redirect:
        session, form, user = await admin_form(request, store, api)
        address, code = form.get("address", "").strip(), form.get("code", "").strip()
        if not code:
            session.say("error", f"{address} is not verified: enter the code mailed to it.")
            return Redirect(BACK, status_code=303)
        call = user.post(f"{PATH}/verify", json_body={"address": address, "code": code})
        return await _tell(session, f"{address} is verified: its mail now opens conversations here.",
                           f"{address} is not verified", call)  # fmt: skip

    @get("/{address:str}/remove")
    async def confirm_removal(self, request: AnyRequest, address: str, api: Api, store: Store) -> Response[str]:
        session = admin(request, store)
        listed = (await SessionApi(api, session).get(PATH))["items"]
        status = next((a["status"] for a in listed if a["address"] == address), None)
        return confirmation_page(session, "email", _removal(address, status))

    @post("/{address:str}/remove")
    async def remove(self, request: AnyRequest, address: str, api: Api, store: Store) -> Redirect:
        """Remove an address once its confirmation page said yes (a form without ``confirm`` goes there)."""
        session, form, user = await admin_form(request, store, api)
        if (ask := confirmed(form, _removal(address, None).action)) is not None:
            return ask
        call = user.call("DELETE", f"{PATH}/{quote(address, safe='')}")
        return await _tell(session, f"{address} is removed.", f"{address} was not removed", call)
