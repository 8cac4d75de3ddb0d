"""A tenant's support addresses, each proven: registering mails a code to the address, the code verifies it.

``POST /v1/conversations/email-addresses`` answers 202 alike whoever holds the address (it reveals nothing), keeps a
pending claim (the code's SHA-256 only, expiring, a bounded number of tries) and mails the code through the relay.
``POST …/verify`` with the code makes the address this tenant's: from then on its mail opens this tenant's
conversations, even if another tenant had it (whoever reads the mailbox owns it — decision 0050). ``DELETE …/{address}``
gives it up (or drops the pending claim).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import smtplib
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT
from pydantic import BaseModel, ConfigDict, Field, field_validator

from libs.platform.http import Runtime, TenantId
from libs.platform.row_security import SYSTEM, tenant_scope
from libs.platform.runtime import ServiceRuntime
from services.conversation.config import ConversationSettings
from services.conversation.mail import ADDRESS, ADDRESS_IN, relay_mail
from services.conversation.repository import EmailAddressRepository

log = logging.getLogger("deskpilot.conversation.email")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from a mail, typed by a person
_CODE_LENGTH = 10  # 50 bits: a digest in a leaked database does not give the code back


def _address(value: str) -> str:
    normal = value.strip().lower()
    if not ADDRESS.match(normal):
        raise ValueError(f"{value!r} is not an email address")
    return normal


class NewSupportAddress(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str = Field(min_length=3, max_length=320, pattern=ADDRESS_IN)

    _normal = field_validator("address")(classmethod(lambda _, v: _address(v)))


class AddressVerification(BaseModel):
    model_config = ConfigDict(extra="forbid")
    address: str = Field(min_length=3, max_length=320, pattern=ADDRESS_IN)
    code: str = Field(min_length=1, max_length=64, description="The code mailed to the address.")

    _normal = field_validator("address")(classmethod(lambda _, v: _address(v)))


class SupportAddress(BaseModel):
    address: str
    status: Literal["pending", "verified"] = Field(
        description="`pending`: the code was mailed, no mail is received yet; `verified`: its mail is received."
    )


class SupportAddresses(BaseModel):
    items: list[SupportAddress]


def code_digest(tenant_id: str, address: str, code: str) -> str:
    normal = code.strip().upper().replace("-", "").replace(" ", "")
    return hashlib.sha256(f"{tenant_id}\n{address}\n{normal}".encode()).hexdigest()


def verification_mail(settings: ConversationSettings, address: str, code: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.email_verification_from
    msg["To"] = address
    msg["Subject"] = "Confirm this support address"
    msg["Date"] = formatdate(localtime=False)
    msg["Auto-Submitted"] = "auto-generated"  # never answered, and dropped should it come back to our SMTP server
    hours = settings.email_verification_seconds / 3600
    msg.set_content(
        f"Someone asked Deskpilot to receive the support mail of {address}.\n\n"
        f"If it was you, confirm with this code (valid for {hours:g} hours):\n\n    {code}\n\n"
        "POST /v1/conversations/email-addresses/verify with the address and this code, or enter it in the console.\n"
        "If it was not you, ignore this message: nothing changes.\n"
    )
    return msg


Refusal = tuple[Literal["no_claim", "wrong_code"], str]


async def _refusal(
    runtime: ServiceRuntime, settings: ConversationSettings, tenant_id: str, data: AddressVerification
) -> Refusal | None:
    """Why the code is refused (its try counted, the claim dropped when spent), or None when it is right: no claim
    pending (none, expired, spent), or a wrong code."""
    async with runtime.unit_of_work() as uow:
        repo = EmailAddressRepository(uow.session)
        claim = await repo.claim(tenant_id, data.address)
        if claim is None:
            return "no_claim", f"no verification is pending for {data.address}: register it first"
        if claim.expires_at <= datetime.now(UTC):
            await repo.drop_claim(tenant_id, data.address)
            return "no_claim", "the code has expired: register the address again for a new one"
        if hmac.compare_digest(claim.code_sha256, code_digest(tenant_id, data.address, data.code)):
            return None
        if claim.attempts + 1 >= settings.email_verification_attempts:
            await repo.drop_claim(tenant_id, data.address)
            last = "the code is wrong, and that was the last try: register the address again for a new code"
            return "wrong_code", last
        await repo.count_attempt(tenant_id, data.address)
        return "wrong_code", "the code is wrong"


class EmailAddressController(Controller):
    path = "/v1/conversations/email-addresses"

    @post("/", status_code=HTTP_202_ACCEPTED)
    async def add(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        settings: NamedDependency[ConversationSettings],
        data: JSONBody[NewSupportAddress],
    ) -> SupportAddress:
        """Ask to receive this tenant's support mail at ``address``: a code is mailed there, and the address receives
        mail once ``/verify`` gets that code. The answer is the same whether or not the address is in use."""
        code = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
        expires = datetime.now(UTC) + timedelta(seconds=settings.email_verification_seconds)
        async with runtime.unit_of_work() as uow:
            digest = code_digest(tenant_id, data.address, code)
            await EmailAddressRepository(uow.session).put_claim(tenant_id, data.address, digest, expires)
        msg = verification_mail(settings, data.address, code)
        try:
            await asyncio.to_thread(relay_mail, settings.smtp_relay_host, settings.smtp_relay_port, msg)
        except (OSError, smtplib.SMTPException) as exc:
            # The claim stays; registering again mails a new code. The code itself is never logged.
            log.warning("the verification mail could not be relayed: %s", type(exc).__name__)
        return SupportAddress(address=data.address, status="pending")

    @post("/verify", status_code=HTTP_200_OK)
    async def verify(
        self,
        tenant_id: TenantId,
        runtime: Runtime,
        settings: NamedDependency[ConversationSettings],
        data: JSONBody[AddressVerification],
    ) -> SupportAddress:
        """Prove ownership of ``address`` with the code mailed to it: from now on its mail is this tenant's. What the
        server holds decides a refusal, not the request's shape: 404 when no verification of the address is pending
        (never asked, expired, or spent), 403 for a wrong code; the detail says which."""
        refusal = await _refusal(runtime, settings, tenant_id, data)
        if refusal is not None:
            kind, detail = refusal
            raise NotFoundException(detail) if kind == "no_claim" else PermissionDeniedException(detail)
        # Another tenant's row for the address is invisible in this tenant's scope: the move runs in the system's.
        with tenant_scope(SYSTEM):
            async with runtime.unit_of_work() as uow:
                repo = EmailAddressRepository(uow.session)
                if await repo.drop_claim(tenant_id, data.address):  # single use, even when two tries race
                    await repo.assign(tenant_id, data.address)
        return SupportAddress(address=data.address, status="verified")

    @delete("/{address:str}", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, tenant_id: TenantId, runtime: Runtime, address: FromPath[str]) -> None:
        """Stop receiving this tenant's support mail at ``address`` (verified) or drop its pending claim: mail to
        it is refused from now on, and a code already mailed no longer verifies it. 404 when it is neither."""
        missing = NotFoundException(f"{address} is not one of this tenant's support addresses")
        try:
            normal = _address(address)
        except ValueError:  # not an address: not one of this tenant's either
            raise missing from None
        async with runtime.unit_of_work() as uow:
            if not await EmailAddressRepository(uow.session).remove(tenant_id, normal):
                raise missing

    @get("/")
    async def listing(self, tenant_id: TenantId, runtime: Runtime) -> SupportAddresses:
        """This tenant's support addresses: ``verified`` (receiving mail) or ``pending`` (code mailed)."""
        async with runtime.unit_of_work() as uow:
            found = await EmailAddressRepository(uow.session).listing(tenant_id)
        return SupportAddresses(items=[SupportAddress(address=a, status=s) for a, s in found])
