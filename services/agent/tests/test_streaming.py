"""Reply text streams over core NATS while the model writes it; the stored reply is the concatenation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg

from libs.events import AgentReplied, EventLog
from libs.events.streaming import ReplyDelta
from libs.events.subjects import reply_stream_subject
from services.agent.providers import ModelRequest, ModelResponse, StreamEvent, TextDelta
from services.agent.service import Agent
from services.agent.tests.test_loop import LOOKUP, new_conversation


class Typist:
    """A streaming model that writes its answer in three pieces, waiting for the network between them."""

    provider = "offline"
    model = "deskpilot-offline-1"
    pieces = ("Your order ", "is on ", "its way.")
    apart = True

    async def complete(self, request: ModelRequest) -> ModelResponse:
        return ModelResponse("".join(self.pieces), [], 5, 5, "end_turn")

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        for piece in self.pieces:
            yield TextDelta(piece)
            if self.apart:
                await asyncio.sleep(0)  # the next piece is not read yet: the stream waits
        yield await self.complete(request)


class FastTypist(Typist):
    """Its three pieces come in one network read."""

    apart = False


async def streamed(event_log: EventLog, nc: NATS, tenant_id: str, model: Typist) -> tuple[str, list[ReplyDelta]]:
    conv = await new_conversation(event_log, tenant_id, "where is my order?")
    received: list[ReplyDelta] = []
    closed = asyncio.Event()

    async def on_delta(msg: Msg) -> None:
        delta = ReplyDelta.model_validate_json(msg.data)
        received.append(delta)
        if delta.final:
            closed.set()

    sub = await nc.subscribe(reply_stream_subject(tenant_id, conv), cb=on_delta)

    async def publish(delta: ReplyDelta) -> None:
        await nc.publish(reply_stream_subject(delta.tenant_id, delta.conversation_id), delta.model_dump_json().encode())

    try:
        await Agent(event_log, model, deltas=publish).advance(tenant_id, conv, [LOOKUP])
        await asyncio.wait_for(closed.wait(), 5)
    finally:
        await sub.unsubscribe()
    return conv, received


async def test_deltas_arrive_in_order_and_add_up_to_the_stored_reply(
    event_log: EventLog, nc: NATS, tenant_id: str
) -> None:
    conv, received = await streamed(event_log, nc, tenant_id, Typist())
    assert [d.seq for d in received] == [0, 1, 2, 3]
    assert [d.text for d in received[:-1]] == list(Typist.pieces)
    (reply,) = [r.event.payload for r in await event_log.read(tenant_id, conv) if r.event.type == "agent.replied"]
    assert isinstance(reply, AgentReplied)
    assert reply.text == "".join(d.text for d in received)
    assert {d.turn_id for d in received} == {reply.turn_id}


async def test_pieces_that_come_together_go_out_as_one_delta(event_log: EventLog, nc: NATS, tenant_id: str) -> None:
    conv, received = await streamed(event_log, nc, tenant_id, FastTypist())
    assert [(d.seq, d.text, d.final) for d in received] == [(0, "".join(Typist.pieces), False), (1, "", True)]
    (reply,) = [r.event.payload for r in await event_log.read(tenant_id, conv) if r.event.type == "agent.replied"]
    assert isinstance(reply, AgentReplied)
    assert reply.text == received[0].text
