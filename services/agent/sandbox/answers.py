"""Who answers a sandboxed agent's tool calls, in order: the recording, then the owning service's dry-run path, then
a plain "unrecorded" (reads) or "not executed" (writes). A simulation puts its own world (the demo store in memory,
the suite's canned tools) first instead. Nothing here can execute a write anywhere.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

from nats.aio.client import Client as NATS
from nats.errors import Error as NatsError
from pydantic import ValidationError

from libs.events import RecordedEvent, ToolCompleted, ToolFailed, ToolRequested, ToolSpec
from libs.events.sandbox import SandboxToolAnswer, SandboxToolCall, sandbox_tools_subject
from services.agent.state import call_key

Source = Literal["recorded", "dry_run", "unrecorded", "not_executed", "world"]
FAILURE_KINDS = frozenset(get_args(ToolFailed.model_fields["kind"].annotation))


@dataclass(frozen=True)
class Answer:
    """A tool call's result in the sandbox, and where it came from."""

    payload: ToolCompleted | ToolFailed
    source: Source


class ToolAnswers(Protocol):
    """One way of answering; None passes the call to the next."""

    async def answer(self, request: ToolRequested, spec: ToolSpec | None, conversation_id: str) -> Answer | None: ...


def completed(request: ToolRequested, result: dict[str, object], *, dry_run: bool = False) -> ToolCompleted:
    return ToolCompleted(
        turn_id=request.turn_id,
        tool_call_id=request.tool_call_id,
        tool=request.tool,
        result=result,
        latency_ms=0,
        dry_run=dry_run,
    )


def failed(request: ToolRequested, kind: str, message: str) -> ToolFailed:
    return ToolFailed(
        turn_id=request.turn_id,
        tool_call_id=request.tool_call_id,
        tool=request.tool,
        kind=kind if kind in FAILURE_KINDS else "permanent",
        message=message,
        latency_ms=0,
    )


def _key(request: ToolRequested) -> str:
    """Calls are the same if tool, arguments and knowledge scope are: a search in another scope is another search."""
    scope = request.knowledge_collections
    return call_key(request.tool, request.arguments) + ("" if scope is None else f"|scope={','.join(scope)}")


class RecordedAnswers:
    """Calls the recorded conversation made with the same tool and arguments get the recorded result; when it made
    one several times, the results are given in their recorded order (and the last one after that)."""

    def __init__(self, events: Sequence[RecordedEvent]) -> None:
        asked: dict[str, str] = {}
        self._results: dict[str, list[ToolCompleted | ToolFailed]] = defaultdict(list)
        for recorded in events:
            p = recorded.event.payload
            if isinstance(p, ToolRequested):
                asked[p.tool_call_id] = _key(p)
            elif isinstance(p, ToolCompleted | ToolFailed) and p.tool_call_id in asked:
                self._results[asked[p.tool_call_id]].append(p)
        self._used: dict[str, int] = defaultdict(int)

    async def answer(self, request: ToolRequested, _spec: ToolSpec | None, _conversation: str) -> Answer | None:
        key = _key(request)
        results = self._results.get(key)
        if not results:
            return None
        found = results[min(self._used[key], len(results) - 1)]
        self._used[key] += 1
        ids = {"turn_id": request.turn_id, "tool_call_id": request.tool_call_id}
        return Answer(found.model_copy(update=ids), "recorded")


class DryRunAnswers:
    """The owning service's dry-run path over NATS request/reply (``libs/events/sandbox.py``)."""

    def __init__(self, nc: NATS, tenant_id: str, timeout: float = 10.0) -> None:
        self._nc = nc
        self._tenant_id = tenant_id
        self._timeout = timeout

    async def answer(self, request: ToolRequested, spec: ToolSpec | None, conversation_id: str) -> Answer | None:
        if spec is None or spec.service == "agent":
            return None
        call = SandboxToolCall(
            tenant_id=self._tenant_id,
            conversation_id=conversation_id,
            tool=request.tool,
            arguments=request.arguments,
            end_user=request.end_user,
            knowledge_collections=request.knowledge_collections,
        )
        try:
            reply = await self._nc.request(
                sandbox_tools_subject(spec.service), call.model_dump_json().encode(), timeout=self._timeout
            )
            answer = SandboxToolAnswer.model_validate_json(reply.data)
        except (NatsError, TimeoutError, ValidationError, json.JSONDecodeError):
            return None  # no responder, too slow, or garbled: the next answerer says "unrecorded"
        if answer.status == "failed":
            return Answer(failed(request, answer.kind, answer.message), "dry_run")
        return Answer(completed(request, answer.result, dry_run=answer.dry_run), "dry_run")


class Unanswered:
    """The last resort: a read nobody could answer is "unrecorded"; a write is never executed."""

    async def answer(self, request: ToolRequested, spec: ToolSpec | None, _conversation: str) -> Answer:
        if spec is not None and spec.risk != "read":
            result = {
                "sandbox": True,
                "executed": False,
                "summary": f"(sandbox) {request.tool} was not executed: nothing was changed.",
            }
            return Answer(completed(request, result, dry_run=True), "not_executed")
        message = f"unrecorded: the recording has no result for this {request.tool} call and no dry run answered it"
        return Answer(failed(request, "transient", message), "unrecorded")


class AnswerChain:
    """The first answer of ``answerers`` that has one."""

    def __init__(self, *answerers: ToolAnswers) -> None:
        self._answerers = answerers
        self._last = Unanswered()

    async def answer(self, request: ToolRequested, spec: ToolSpec | None, conversation_id: str) -> Answer:
        for answerer in self._answerers:
            found = await answerer.answer(request, spec, conversation_id)
            if found is not None:
                return found
        return await self._last.answer(request, spec, conversation_id)
