"""Every message of a stream, in order, with its subject and headers: what ``deskpilot backup`` writes and what the
dead-letter listing (CLI and operator API) reads.

JetStream's batched direct get (``$JS.API.DIRECT.GET.<stream>`` with ``next_by_subj`` and ``batch``, NATS 2.11+)
answers ``BATCH`` messages per request. A stream made before it allowed direct gets (``allow_direct``, which only the
operator's ``deskpilot up`` may switch on, decision 0044) answers a direct get with no responders, not with its
messages; such a stream is read one message at a time instead, never taken for empty.

Any replica of a stream answers a direct get, and a follower may lag behind the leader: its copy is a prefix of the
leader's (Raft applies in order), so a batched read that ends short of the last sequence the leader reported
(``stream_info``) is completed from the leader. A reader that decides on what it read (has this dead letter been
re-driven?) reads from the leader only (``from_leader``: ``$JS.API.STREAM.MSG.GET``, one message a request).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js.errors import APIError, NotFoundError

BATCH = 256


@dataclass(frozen=True)
class StreamMessage:
    seq: int
    subject: str
    headers: dict[str, str]  # as answered: a direct get's include the server's (Nats-Sequence, Nats-Subject, …)
    data: bytes


async def read_stream(
    nc: NATS, stream: str, timeout: float = 10.0, *, from_leader: bool = False
) -> list[StreamMessage]:
    """Every message of ``stream``, oldest first, at least up to the last sequence its leader reports now; with
    ``from_leader``, every one as the leader has it (no replica's possibly stale copy)."""
    info = await nc.jetstream().stream_info(stream)  # answered by the leader
    if not info.state.messages:
        return []
    first, last = info.state.first_seq, info.state.last_seq
    if from_leader or not info.config.allow_direct:
        return await _one_by_one(nc, stream, first, last)
    out = await _batched(nc, stream, timeout)
    return out + await _one_by_one(nc, stream, max(first, out[-1].seq + 1 if out else first), last)


async def _one_by_one(nc: NATS, stream: str, first: int, last: int) -> list[StreamMessage]:
    js = nc.jetstream()
    out: list[StreamMessage] = []
    for seq in range(first, last + 1):
        try:
            msg = await js.get_msg(stream, seq=seq)
        except NotFoundError:  # deleted (a key-value bucket's erased key)
            continue
        out.append(StreamMessage(seq, msg.subject or "", dict(msg.headers or {}), msg.data or b""))
    return out


async def _batched(nc: NATS, stream: str, timeout: float) -> list[StreamMessage]:
    out: list[StreamMessage] = []
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()

    async def collect(msg: Msg) -> None:  # a callback, not next_msg(): no queue round trip per message
        nonlocal done
        headers = dict(msg.headers or {})
        status = headers.get("Status")
        if done.done():
            return
        if status is None:
            try:
                out.append(StreamMessage(int(headers["Nats-Sequence"]), headers["Nats-Subject"], headers, msg.data))
            except (KeyError, ValueError) as exc:  # fail the read now, not after its timeout
                done.set_exception(APIError(description=f"direct get without a sequence or subject: {exc!r}"))
        elif status == "204":  # end of this batch
            done.set_result(int(headers.get("Nats-Num-Pending", "0")))
        elif status == "404":  # nothing (more)
            done.set_result(0)
        else:  # 503 no responders among them: never a silently short read
            done.set_exception(APIError(code=int(status), description=headers.get("Description", "")))

    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox, cb=collect)
    try:
        seq = 1
        while True:
            request = {"seq": seq, "next_by_subj": ">", "batch": BATCH}
            await nc.publish(f"$JS.API.DIRECT.GET.{stream}", json.dumps(request).encode(), reply=inbox)
            pending = await asyncio.wait_for(done, timeout=timeout)
            done = loop.create_future()
            if pending <= 0 or not out:
                return out
            seq = out[-1].seq + 1
    finally:
        await sub.unsubscribe()
