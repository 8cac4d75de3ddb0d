"""The email channel over real SMTP both ways: the service's SMTP server receives, an aiosmtpd relay receives what
the service sends. Threading by Message-ID / In-Reply-To / References, MIME parsing, and no mail loops."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx2
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from deskpilot.embedded import free_port
from libs.events import Actor, AgentReplied, Envelope, EventLog, HumanReplied, new_id
from libs.platform.runtime import ServiceRuntime
from services.conversation.app import create_app
from services.conversation.config import ConversationSettings
from tests.support import eventually, provision_tenant, running


class Relay:
    """The receiving end of our outbound mail (an aiosmtpd server in its own thread)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append((str(envelope.mail_from), msg))
        return "250 OK"


@dataclass
class Mail:
    client: httpx2.AsyncClient
    runtime: ServiceRuntime
    smtp_port: int
    relay: Relay


@pytest.fixture(scope="module")
def relay() -> Iterator[tuple[Relay, int]]:
    handler, port = Relay(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


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


async def support_address(mail: Mail, event_log: EventLog, address: str) -> tuple[str, dict[str, str]]:
    tenant = await provision_tenant(event_log, mail.runtime)
    auth = {"Authorization": f"Bearer {tenant.api_key}"}
    r = await mail.client.post("/v1/conversations/email-addresses", headers=auth, json={"address": address})
    assert r.status_code == 201, r.text
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
    r = await mail.client.post(
        "/v1/conversations/email-addresses", headers=auth, json={"address": "support@acme.example"}
    )
    assert r.status_code == 409

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
