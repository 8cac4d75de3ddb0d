"""The operator API: what ``deskpilot dead-letters list|show|redrive`` does, over HTTP (``/v1/operator/…``).

Only the operator's key (``DESKPILOT_OPERATOR_KEY``, ``libs.platform.edge.OPERATOR``) may call it; no tenant's key
does. The dead letters are every service's: one service mounts this controller (the conversation service) and the
owning service of each letter re-runs its handler (``libs.platform.dead_letters``), exactly as the CLI does — the two
share :func:`view`, :func:`report` and the functions of that module.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, Parameter
from nats.aio.client import Client as NATS
from pydantic import BaseModel, ConfigDict, Field

from libs.platform.dead_letters import DeadLetter, body_of, dead_letters, letter, redrive
from libs.platform.edge import OPERATOR
from libs.platform.http import Runtime

CONSUMER = r"^[a-z][a-z0-9]*-[a-z0-9-]{1,100}$"
"""A durable consumer's name, ``<service>-<name>`` (e.g. ``billing-ledger``)."""


class DeadLetterView(BaseModel):
    """A message a consumer parked, where its event is in the log, and why."""

    id: int = Field(description="Its sequence in the dead-letter stream: what `redrive` takes.")
    consumer: str = Field(description="The durable consumer that parked it, `<service>-<name>`.")
    reason: str
    original_subject: str
    position: int = Field(description="The event's position in the log.")
    deliveries: int
    event_type: str
    event_id: str
    tenant_id: str
    conversation_id: str | None
    redriven: bool = Field(default=False, description="Applied by a redrive already (a listing shows only others).")


class DeadLetterDetail(DeadLetterView):
    """A parked message with its stored body (personal fields stay sealed)."""

    body: str


class DeadLetters(BaseModel):
    """The parked messages not re-driven yet, oldest first."""

    dead_letters: list[DeadLetterView]
    count: int


class RedriveRequest(BaseModel):
    """Which letters to re-drive: every one not re-driven yet, or only one consumer's."""

    model_config = ConfigDict(extra="forbid")
    consumer: str | None = Field(default=None, pattern=CONSUMER, description="Only this consumer's letters.")


class RedriveResult(BaseModel):
    id: int
    consumer: str
    event_id: str
    applied: bool
    error: str | None = Field(default=None, description="Why the handler failed again; the letter stays parked.")


class RedriveReport(BaseModel):
    """Each letter in the order it was re-driven (log order), applied or with the error of its handler."""

    results: list[RedriveResult]
    redriven: int
    failed: int


def view(parked: DeadLetter, redriven: bool = False) -> DeadLetterView:
    return DeadLetterView(**parked.__dict__, redriven=redriven)


def report(results: list[tuple[DeadLetter, str | None]]) -> RedriveReport:
    rows = [
        RedriveResult(id=d.id, consumer=d.consumer, event_id=d.event_id, applied=error is None, error=error)
        for d, error in results
    ]
    failed = sum(not row.applied for row in rows)
    return RedriveReport(results=rows, redriven=len(rows) - failed, failed=failed)


async def detail(nc: NATS, letter_id: int) -> DeadLetterDetail | None:
    """One letter with its stored body, re-driven or not; None if no letter has that id."""
    found = await letter(nc, letter_id)
    if found is None:
        return None
    parked, redriven = found
    body = (await body_of(nc.jetstream(), parked)).decode("utf-8", "replace")
    return DeadLetterDetail(**view(parked, redriven).model_dump(), body=body)


async def redrive_selected(nc: NATS, consumer: str | None = None, letter_id: int | None = None) -> RedriveReport:
    """Re-drive the letters not re-driven yet (all, one consumer's, or one), in log order."""
    return report(await redrive(nc, await dead_letters(nc, consumer, letter_id)))


LetterId = Annotated[int, Parameter(ge=1, le=2**63 - 1, description="A dead letter's id.")]


class OperatorController(Controller):
    path = "/v1/operator"
    tags = ["operator"]
    opt = OPERATOR

    @get("/dead-letters")
    async def list_dead_letters(
        self, runtime: Runtime, consumer: Annotated[str | None, Parameter(pattern=CONSUMER)] = None
    ) -> DeadLetters:
        """The messages consumers parked and nobody re-drove yet, oldest first (``deskpilot dead-letters list``)."""
        parked = await dead_letters(runtime.nc, consumer)
        return DeadLetters(dead_letters=[view(each) for each in parked], count=len(parked))

    @get("/dead-letters/{letter_id:int}")
    async def show_dead_letter(self, runtime: Runtime, letter_id: LetterId) -> DeadLetterDetail:
        """One parked message with its stored body (``deskpilot dead-letters show --id``)."""
        found = await detail(runtime.nc, letter_id)
        if found is None:
            raise NotFoundException(f"no dead letter {letter_id}")
        return found

    @post("/dead-letters/{letter_id:int}/redrive", status_code=200)
    async def redrive_one(self, runtime: Runtime, letter_id: LetterId) -> RedriveReport:
        """Run the owning consumer's handler on the letter's event again (``deskpilot dead-letters redrive --id``).
        Idempotent: a letter re-driven already is not applied again (an empty report)."""
        if await letter(runtime.nc, letter_id) is None:
            raise NotFoundException(f"no dead letter {letter_id}")
        return await redrive_selected(runtime.nc, letter_id=letter_id)

    @post("/dead-letters/redrive", status_code=200)
    async def redrive_many(self, runtime: Runtime, data: JSONBody[RedriveRequest | None] = None) -> RedriveReport:
        """Re-drive every letter not re-driven yet, or one consumer's, in log order (``deskpilot dead-letters
        redrive [--consumer]``); each applied once, those whose handler fails again stay parked."""
        return await redrive_selected(runtime.nc, data.consumer if data else None)
