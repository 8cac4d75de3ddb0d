"""The receiving end of the platform's outbound mail in tests: an aiosmtpd server in its own thread that keeps every
message it is given (replies to customers, the codes that verify support addresses)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from deskpilot.embedded import free_port

VERIFICATION_SUBJECT = "Confirm this support address"


class Relay:
    def __init__(self) -> None:
        self.received: list[tuple[str, EmailMessage]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: SmtpEnvelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.received.append((str(envelope.mail_from), msg))
        return "250 OK"

    def verification_code(self, address: str, after: int = 0) -> str | None:
        """The code in the first verification mail to ``address`` among the messages from index ``after`` on."""
        for _, msg in self.received[after:]:
            if msg["To"] == address.lower() and msg["Subject"] == VERIFICATION_SUBJECT:
                found = re.search(r"^ {4}([A-Z2-9]{10})\r?$", msg.get_content(), re.MULTILINE)
                assert found is not None
                return found.group(1)
        return None


@contextmanager
def relaying() -> Iterator[tuple[Relay, int]]:
    """A relay listening on 127.0.0.1, and its port."""
    handler, port = Relay(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
