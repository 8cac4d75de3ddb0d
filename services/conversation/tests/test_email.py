"""The email channel over real SMTP both ways: the service's SMTP server receives, an aiosmtpd relay receives what
the service sends. Threading by Message-ID / In-Reply-To / References, MIME parsing, and no mail loops."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx2
import pytest
from sqlalchemy import text

from deskpilot.embedded import free_port
from libs.events import Actor, AgentReplied, Envelope, EventLog, HumanReplied, new_id
from libs.platform.runtime import ServiceRuntime
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from services.conversation.tests.fake_relay import Relay, relaying
from tests.support import eventually, provision_tenant, running


@dataclass
class Mail:
    client: httpx2.AsyncClient
    runtime: ServiceRuntime
    smtp_port: int
    relay: Relay


@pytest.fixture(scope="module")
def relay() -> Iterator[tuple[Relay, int]]:
    with relaying() as relay:
        yield relay


@pytest.fixture(scope="module")
async def mail(nats_url: str, database_url: str, relay: tuple[Relay, int]) -> AsyncIterator[Mail]:
    smtp_port = free_port()
    settings = ConversationSettings.model_validate(
        {
            "NATS_URL": nats_url,
            "DATABASE_URL": database_url,
            "DESKPILOT_SMTP_ENABLED": "true",
            "DESKPILOT_SMTP_HOST": "127.0.0.1",
            "DESKPILOT_SMTP_PORT": str(smtp_port),
            "DESKPILOT_SMTP_RELAY_HOST": "127.0.0.1",
            "DESKPILOT_SMTP_RELAY_PORT": str(relay[1]),
        }
    )
    async with running(create_app(settings)) as (client, runtime):
        yield Mail(client, runtime, smtp_port, relay[0])


async def send(mail: Mail, msg: EmailMessage, mail_from: str | None = None) -> None:
    """Deliver over SMTP; the server answers 250 only after the message is recorded (or dropped)."""

    def deliver() -> None:
        with smtplib.SMTP("127.0.0.1", mail.smtp_port, timeout=10) as smtp:
            smtp.send_message(msg, from_addr=mail_from if mail_from is not None else None)

    await asyncio.to_thread(deliver)


def customer_mail(to: str, message_id: str, text: str, **headers: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Alice <alice@customer.example>"
    msg["To"] = to
    msg["Subject"] = headers.pop("Subject", "Order 1001")
    msg["Message-ID"] = message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(text)
    return msg


async def register(mail: Mail, auth: dict[str, str], address: str) -> str:
    """Register ``address`` and return the code the relay received for it (the newest for that address)."""
    before = len(mail.relay.received)
    r = await mail.client.post("/v1/conversations/email-addresses", headers=auth, json={"address": address})
    assert (r.status_code, r.json()) == (202, {"address": address.lower(), "status": "pending"}), r.text

    async def code() -> str | None:
        return mail.relay.verification_code(address, before)

    return await eventually(code, what=f"the verification code for {address} at the relay")


async def verify(mail: Mail, auth: dict[str, str], address: str, code: str) -> httpx2.Response:
    body = {"address": address, "code": code}
    return await mail.client.post("/v1/conversations/email-addresses/verify", headers=auth, json=body)


async def support_address(mail: Mail, event_log: EventLog, address: str) -> tuple[str, dict[str, str]]:
    tenant = await provision_tenant(event_log, mail.runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    r = await verify(mail, auth, address, await register(mail, auth, address))
    assert (r.status_code, r.json()["status"]) == (200, "verified"), r.text
    return tenant.tenant_id, auth


async def conversations(mail: Mail, auth: dict[str, str]) -> list[dict[str, Any]]:
    r = await mail.client.get("/v1/conversations", headers=auth)
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def messages(mail: Mail, auth: dict[str, str], cid: str) -> list[str]:
    r = await mail.client.get(f"/v1/conversations/{cid}/events", headers=auth)
    return [e["payload"]["text"] for e in r.json()["events"] if e["type"] == "message.received"]


async def outbound(mail: Mail, to_message: str) -> EmailMessage:
    async def found() -> EmailMessage | None:
        for _, msg in mail.relay.received:
            if to_message in str(msg.get("In-Reply-To", "")):
                return msg
        return None

    return await eventually(found, what=f"a reply to {to_message} at the relay")


async def test_mail_threads_into_one_conversation_both_ways(mail: Mail, event_log: EventLog) -> None:
    tenant_id, auth = await support_address(mail, event_log, "Support@Acme.example")

    first = customer_mail("support@acme.example", "<m1@customer.example>", "Where is my order #1001?")
    first.add_alternative("<p>Where is my <b>order</b> #1001?</p>", subtype="html")
    first.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf")
    await send(mail, first)
    (conversation,) = await conversations(mail, auth)
    assert conversation["channel"] == "email"
    assert conversation["customer_id"] == "alice@customer.example"
    cid = conversation["id"]
    (text,) = await messages(mail, auth, cid)
    assert text.startswith("Where is my order #1001?")
    assert "[attachment: invoice.pdf (application/pdf, 13 bytes)]" in text

    ai = Envelope.new(
        AgentReplied(turn_id="t1", message_id=new_id("msg"), text="It ships today.", provider="offline", model="m"),
        tenant_id=tenant_id,
        conversation_id=cid,
        actor=Actor(kind="ai", id="agent"),
    )
    await event_log.append(tenant_id, cid, [ai], None)
    reply = await outbound(mail, "<m1@customer.example>")
    assert reply["From"] == "support@acme.example"
    assert reply["To"] == "alice@customer.example"
    assert reply["Subject"] == "Re: Order 1001"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply.get_content().strip() == "It ships today."
    ours = str(reply["Message-ID"])

    # The customer answers our reply: same conversation. A second delivery of that mail changes nothing.
    second = customer_mail(
        "support@acme.example",
        "<m2@customer.example>",
        "Thanks! Can I talk to a person?",
        Subject="Re: Order 1001",
        In_Reply_To=ours,
        References=f"<m1@customer.example> {ours}",
    )
    await send(mail, second)
    await send(mail, second)
    assert len(await conversations(mail, auth)) == 1
    assert await messages(mail, auth, cid) == [text, "Thanks! Can I talk to a person?"]

    human = Envelope.new(
        HumanReplied(ticket_id="tkt_1", message_id=new_id("msg"), agent_id="a1", agent_name="Bob", text="Bob here."),
        tenant_id=tenant_id,
        conversation_id=cid,
        actor=Actor(kind="human", id="a1"),
    )
    await event_log.append(tenant_id, cid, [human], None)
    answer = await outbound(mail, "<m2@customer.example>")
    assert answer["Auto-Submitted"] is None
    assert str(answer["References"]).split() == ["<m1@customer.example>", ours, "<m2@customer.example>"]
    # Each reply event was mailed once, however often it is delivered to the consumer.
    sent_ids = [str(m["Message-ID"]) for _, m in mail.relay.received if "acme.example" in str(m["From"])]
    assert len(sent_ids) == len(set(sent_ids)) == 2


async def test_auto_replies_and_bounces_never_start_a_mail_loop(mail: Mail, event_log: EventLog) -> None:
    _, auth = await support_address(mail, event_log, "help@loop.example")
    to = "help@loop.example"
    await send(mail, customer_mail(to, "<a1@x.example>", "I am out of office", Auto_Submitted="auto-replied"))
    await send(mail, customer_mail(to, "<a2@x.example>", "newsletter", Precedence="bulk"))
    await send(mail, customer_mail(to, "<a3@x.example>", "vacation", X_Autoreply="yes"))
    bounce = customer_mail(to, "<a4@x.example>", "Delivery failed")
    bounce.replace_header("From", "MAILER-DAEMON@mx.customer.example")
    await send(mail, bounce, mail_from="")
    ours = customer_mail(to, "<a5@x.example>", "our own reply coming back")
    ours.replace_header("From", "help@loop.example")
    await send(mail, ours)
    # Every one was accepted (a refusal would make the sender bounce, another loop) and none became a conversation.
    assert await conversations(mail, auth) == []
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send(mail, customer_mail("nobody@loop.example", "<a6@x.example>", "hello"))
    await send(mail, customer_mail(to, "<a7@x.example>", "a real question", Auto_Submitted="no"))
    assert [c["channel"] for c in await conversations(mail, auth)] == ["email"]


async def test_another_tenant_learns_nothing_and_takes_an_address_only_by_proving_it(
    mail: Mail, event_log: EventLog
) -> None:
    _, a_auth = await support_address(mail, event_log, "desk@proof.example")
    b = await provision_tenant(event_log, mail.runtime)
    b_auth = {"Authorization": f"Bearer {b.api_key}"}
    # B's registration of A's address is answered exactly like one of an address nobody has.
    taken = await mail.client.post(
        "/v1/conversations/email-addresses", headers=b_auth, json={"address": "desk@proof.example"}
    )
    fresh = await mail.client.post(
        "/v1/conversations/email-addresses", headers=b_auth, json={"address": "new@proof.example"}
    )
    assert (taken.status_code, taken.headers["content-type"]) == (fresh.status_code, fresh.headers["content-type"])
    assert taken.json() == {"address": "desk@proof.example", "status": "pending"}
    assert fresh.json() == {"address": "new@proof.example", "status": "pending"}
    code = await register(mail, b_auth, "desk@proof.example")
    listed = await mail.client.get("/v1/conversations/email-addresses", headers=b_auth)
    assert listed.json()["items"] == [
        {"address": "desk@proof.example", "status": "pending"},
        {"address": "new@proof.example", "status": "pending"},
    ]
    # A pending claim does not disturb A's mail.
    await send(mail, customer_mail("desk@proof.example", "<p1@x.example>", "first question"))
    assert len(await conversations(mail, a_auth)) == 1
    assert await conversations(mail, b_auth) == []

    wrong = await verify(mail, b_auth, "desk@proof.example", "AAAAAAAAAA" if code != "AAAAAAAAAA" else "BBBBBBBBBB")
    assert (wrong.status_code, wrong.json()["detail"]) == (403, "the code is wrong")
    unknown = await verify(mail, b_auth, "other@proof.example", code)
    assert unknown.status_code == 404  # what the server holds refuses it, not the request's shape
    assert "no verification is pending" in unknown.json()["detail"]
    ok = await verify(mail, b_auth, "desk@proof.example", code.lower())
    assert ok.json() == {"address": "desk@proof.example", "status": "verified"}
    again = await verify(mail, b_auth, "desk@proof.example", code)  # single use
    assert again.status_code == 404

    # Verified: the address's mail is B's now.
    await send(mail, customer_mail("desk@proof.example", "<p2@x.example>", "second question"))
    assert [c["customer_id"] for c in await conversations(mail, b_auth)] == ["alice@customer.example"]
    assert len(await conversations(mail, a_auth)) == 1
    a_listed = await mail.client.get("/v1/conversations/email-addresses", headers=a_auth)
    assert a_listed.json()["items"] == []


async def test_expired_and_exhausted_codes_are_refused(mail: Mail, event_log: EventLog) -> None:
    tenant = await provision_tenant(event_log, mail.runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    code = await register(mail, auth, "late@expiry.example")
    async with mail.runtime.db.session() as db:  # a day passes: the claim's expiry is in the past
        await db.execute(
            text(
                "UPDATE conversation.email_address_claims SET expires_at = now() - interval '1 second' "
                "WHERE address = 'late@expiry.example'"
            )
        )
        await db.commit()
    expired = await verify(mail, auth, "late@expiry.example", code)
    assert (expired.status_code, expired.json()["detail"]) == (
        404,
        "the code has expired: register the address again for a new one",
    )
    code = await register(mail, auth, "guess@expiry.example")
    details = [(await verify(mail, auth, "guess@expiry.example", "WRONG" + str(i))).json()["detail"] for i in range(5)]
    assert details[:4] == ["the code is wrong"] * 4
    assert details[4].startswith("the code is wrong, and that was the last try")
    spent = await verify(mail, auth, "guess@expiry.example", code)  # the right code, too late
    assert spent.status_code == 404
    assert "no verification is pending" in spent.json()["detail"]
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send(mail, customer_mail("guess@expiry.example", "<g1@x.example>", "hello"))


async def test_a_removed_address_receives_no_more_mail_and_its_mailed_code_no_longer_verifies(
    mail: Mail, event_log: EventLog
) -> None:
    _, auth = await support_address(mail, event_log, "Gone@Remove.example")
    code = await register(mail, auth, "pending@remove.example")
    path = "/v1/conversations/email-addresses"
    assert (await mail.client.delete(f"{path}/gone@remove.example", headers=auth)).status_code == 204
    assert (await mail.client.delete(f"{path}/pending@remove.example", headers=auth)).status_code == 204
    assert (await mail.client.get(path, headers=auth)).json()["items"] == []
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        await send(mail, customer_mail("gone@remove.example", "<r1@x.example>", "hello"))
    late = await verify(mail, auth, "pending@remove.example", code)
    assert (late.status_code, "no verification is pending" in late.json()["detail"]) == (404, True)
    again = await mail.client.delete(f"{path}/gone@remove.example", headers=auth)
    assert again.status_code == 404, "neither verified nor pending"


async def test_another_tenants_delete_of_a_verified_address_is_404_and_it_stays_the_owners(
    mail: Mail, event_log: EventLog
) -> None:
    _, a_auth = await support_address(mail, event_log, "Kept@Isolation.example")
    b = await provision_tenant(event_log, mail.runtime)
    b_auth = {"Authorization": f"Bearer {b.api_key}"}
    path = "/v1/conversations/email-addresses"
    taken = await mail.client.delete(f"{path}/kept@isolation.example", headers=b_auth)
    assert taken.status_code == 404, taken.text
    assert (await mail.client.get(path, headers=a_auth)).json()["items"] == [
        {"address": "kept@isolation.example", "status": "verified"}
    ]
    await send(mail, customer_mail("kept@isolation.example", "<i1@x.example>", "still yours?"))
    assert [c["channel"] for c in await conversations(mail, a_auth)] == ["email"]
    assert await conversations(mail, b_auth) == []


async def test_an_address_with_a_slash_is_refused_as_it_could_never_be_removed(mail: Mail, event_log: EventLog) -> None:
    tenant = await provision_tenant(event_log, mail.runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    path = "/v1/conversations/email-addresses"
    slashed = await mail.client.post(path, headers=auth, json={"address": "sales/eu@slash.example"})
    assert slashed.status_code == 422, slashed.text
    assert (await mail.client.get(path, headers=auth)).json()["items"] == []
    assert (await mail.client.delete(f"{path}/not-an-address", headers=auth)).status_code == 404
