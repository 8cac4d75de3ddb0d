"""The email channel: an SMTP server inside the conversation service, threading, outbound replies, no mail loops.

Inbound: mail to a tenant's verified support address (``services.conversation.mail_addresses``) becomes a
``message.received`` on channel ``email``. A reply finds its conversation through ``In-Reply-To`` / ``References``
(every Message-ID seen or sent is recorded per conversation); anything else opens a new conversation. The text is
the plain part (or the HTML part's text); attachments are kept as references (name, type, size) in the text, their
content is not stored. Auto-replies and bounces (``Auto-Submitted`` other than ``no``, ``Precedence:
bulk|junk|list|auto_reply``, ``X-Autoreply``, a ``multipart/report``, an empty return path, ``MAILER-DAEMON`` /
``postmaster``, or mail from our own support addresses) are accepted and dropped, so they never start a loop.

Outbound: ``agent.replied`` and ``human.replied`` on an email conversation are mailed through the configured relay
from the support address, with ``In-Reply-To`` / ``References`` to the thread and a Message-ID derived from the
event id; the AI's replies carry ``Auto-Submitted: auto-replied`` (RFC 3834) so that well-behaved auto-responders
do not answer them. Each reply event is recorded as sent in the same transaction, so a redelivery is not mailed
twice (a crash after the relay accepted but before the commit can still send one duplicate: at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any

from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from libs.events import AgentReplied, HumanReplied, RecordedEvent
from libs.events.subjects import any_conversation
from libs.platform.consumers import Subscription
from libs.platform.runtime import ServiceRuntime
from services.conversation import service
from services.conversation.config import ConversationSettings
from services.conversation.repository import ConversationRepository

log = logging.getLogger("deskpilot.conversation.email")
# aiosmtpd logs every command at INFO, senders' and recipients' addresses included: personal data, which logs must
# not hold (an erasure cannot reach them). Its warnings and errors still show.
logging.getLogger("mail.log").setLevel(logging.WARNING)
ADDRESS = re.compile(r"^[^@\s<>/]+@[a-z0-9.-]+\.[a-z]{2,}$")
ADDRESS_IN = r"^ *[^@<>/\s\x00-\x1f\x7f-\x9f]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,} *$"
"""An address as it may be sent (case and surrounding spaces do not matter): what the contract states. No C1 control
(U+0085 is ``\\s`` to Python and pydantic, not to the ECMA regex a client reads the contract with). No ``/``: an
address is a path segment of ``DELETE …/email-addresses/{address}``, where no router matches one (not even ``%2F``),
so an address holding one could never be removed."""
_MSGID = re.compile(r"<[^<>\s]+>")
_MACHINE_SENDERS = ("mailer-daemon", "postmaster")


def is_automated(msg: EmailMessage, mail_from: str | None, own: bool) -> str | None:
    """Why this message must not be answered (an auto-reply, bounce, list mail, our own), or None."""
    if not mail_from or mail_from.strip() in ("", "<>"):
        return "empty return path"
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    if own:
        return "from our own support address"
    if any(sender.startswith(m + "@") or mail_from.lower().startswith(m + "@") for m in _MACHINE_SENDERS):
        return "mailer daemon"
    if str(msg.get("Auto-Submitted", "no")).strip().lower() != "no":
        return "Auto-Submitted"
    if str(msg.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "Precedence"
    if msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Auto-Response-Suppress") == "All":
        return "auto-reply header"
    if msg.get_content_type() == "multipart/report":
        return "delivery report"
    return None


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def body_text(msg: EmailMessage) -> str:
    """The message's text (plain preferred, else the HTML's text) plus one reference line per attachment."""
    part = msg.get_body(preferencelist=("plain", "html"))
    text = ""
    if part is not None:
        content = str(part.get_content())
        if part.get_content_type() == "text/html":
            parser = _Text()
            parser.feed(content)
            content = "".join(parser.parts)
        text = re.sub(r"\n{3,}", "\n\n", content).strip()
    for attachment in msg.iter_attachments():
        size = len(attachment.get_payload(decode=True) or b"")
        name = attachment.get_filename() or "unnamed"
        text += f"\n[attachment: {name} ({attachment.get_content_type()}, {size} bytes)]"
    return text.strip()


def message_ids(value: object) -> list[str]:
    return _MSGID.findall(str(value or ""))


class InboundMail:
    """The aiosmtpd handler: recipients must be known support addresses; DATA becomes a customer message."""

    def __init__(self, runtime: ServiceRuntime, settings: ConversationSettings) -> None:
        self.runtime = runtime
        self.settings = settings

    async def handle_RCPT(  # aiosmtpd's hook names and signatures
        self,
        server: SMTP,  # noqa: ARG002
        session: Session,  # noqa: ARG002
        envelope: SmtpEnvelope,
        address: str,
        rcpt_options: list[str],  # noqa: ARG002
    ) -> str:
        async with self.runtime.db.session() as db:
            if await ConversationRepository(db).tenant_of_address(address.lower()) is None:
                return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address.lower())
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:  # noqa: ARG002
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        try:
            for rcpt in envelope.rcpt_tos:
                await self.receive(msg, envelope.mail_from, rcpt)
        except Exception:
            log.exception("inbound mail could not be recorded")
            return "451 4.3.0 try again later"
        return "250 OK"

    async def receive(self, msg: EmailMessage, mail_from: str | None, rcpt: str) -> str | None:
        """Record one inbound mail for one support address; returns the conversation id, or None if dropped."""
        runtime = self.runtime
        async with runtime.unit_of_work() as uow:
            repo = ConversationRepository(uow.session)
            tenant_id = await repo.tenant_of_address(rcpt)
            if tenant_id is None:
                return None
            senders = [a.lower() for _, a in getaddresses([str(msg.get("From", ""))]) if a]
            own = any([await repo.tenant_of_address(s) is not None for s in senders])
            reason = is_automated(msg, mail_from, own)
            if reason is not None or not senders:
                log.info("dropped an automated mail to %s (%s)", rcpt, reason or "no sender")
                return None
            found_ids = message_ids(msg.get("Message-ID"))
            message_id = found_ids[0] if found_ids else None
            references = message_ids(msg.get("References")) + message_ids(msg.get("In-Reply-To"))
            conversation_id = await repo.email_thread(tenant_id, references)
            if conversation_id is None:
                started = await service.start_conversation(
                    runtime.event_log, repo, tenant_id, "email", senders[0][:200]
                )
                assert started.event.conversation_id is not None
                conversation_id = started.event.conversation_id
                subject = str(msg.get("Subject", "")).strip() or "(no subject)"
                await repo.add_email_conversation(tenant_id, conversation_id, senders[0], rcpt, subject)
            if message_id is not None and not await repo.add_email_message(
                tenant_id, message_id, conversation_id, "in"
            ):
                return conversation_id  # the sending server delivered it again
            text = body_text(msg)[: self.settings.max_message_chars] or "(empty message)"
            await service.receive_message(
                runtime.event_log,
                repo,
                tenant_id,
                conversation_id,
                text,
                self.settings.max_message_chars,
                message_id[:200] if message_id else None,
            )
        return conversation_id


def relay_mail(host: str, port: int, msg: EmailMessage) -> None:
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.send_message(msg)


def outbound_subscriptions(runtime: ServiceRuntime, settings: ConversationSettings) -> list[Subscription]:
    async def deliver(recorded: RecordedEvent) -> None:
        event, payload = recorded.event, recorded.event.payload
        if not isinstance(payload, AgentReplied | HumanReplied) or event.conversation_id is None:
            return
        async with runtime.unit_of_work() as uow:
            repo = ConversationRepository(uow.session)
            conversation = await repo.email_conversation(event.tenant_id, event.conversation_id)
            if conversation is None:
                return
            thread = await repo.email_message_ids(event.tenant_id, event.conversation_id)
            support = conversation.support_address
            message_id = f"<{event.id}@{support.rpartition('@')[2]}>"
            if not await repo.add_email_message(event.tenant_id, message_id, event.conversation_id, "out", event.id):
                return  # already sent
            subject = conversation.subject
            msg = EmailMessage()
            msg["From"] = support
            msg["To"] = conversation.customer_address
            msg["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
            msg["Message-ID"] = message_id
            msg["Date"] = formatdate(localtime=False)
            if thread:
                msg["In-Reply-To"] = thread[-1]
                msg["References"] = " ".join(thread[-20:])
            if isinstance(payload, AgentReplied):
                msg["Auto-Submitted"] = "auto-replied"
            msg.set_content(payload.text)
            await asyncio.to_thread(relay_mail, settings.smtp_relay_host, settings.smtp_relay_port, msg)

    return [
        Subscription(
            "email-out-ai",
            any_conversation("agent.replied"),
            deliver,
            does="mail the AI's replies on email conversations through the relay, threaded, once per event",
        ),
        Subscription(
            "email-out-human",
            any_conversation("human.replied"),
            deliver,
            does="mail the humans' replies on email conversations through the relay, threaded, once per event",
        ),
    ]


def smtp_server(runtime: ServiceRuntime, settings: ConversationSettings) -> Any:
    """The background task that serves SMTP on the configured host and port until the service stops."""
    handler = InboundMail(runtime, settings)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: SMTP(handler, hostname="deskpilot", data_size_limit=10 * 1024 * 1024),
            host=settings.smtp_host,
            port=settings.smtp_port,
        )
        log.info("SMTP listening on %s:%s", settings.smtp_host, settings.smtp_port)
        try:
            await asyncio.Event().wait()
        finally:
            server.close()
            with contextlib.suppress(Exception):
                await server.wait_closed()

    return run
