"""The deterministic offline model.

It is *not* an LLM: it is a transparent rule set for demos and tests, named ``offline`` / ``deskpilot-offline-1``
everywhere it appears (logs, ``llm.called``, ``agent.replied``, the API). It follows the procedures it is shown by
their guards (``offline_procedures``): lookups first, then the customer's confirmation, then the action.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

from libs.events import ToolSpec, new_id
from services.agent.providers.base import (
    HANDOFF_TOOL,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    TextDelta,
    ToolCall,
)
from services.agent.providers.offline_procedures import (
    confirmation_question,
    confirmed_call,
    lookup_first,
    next_after_lookup,
)

_WORD = re.compile(r"[a-z]+")
_NUMBER = re.compile(r"(?<![$\d.])#?\b(\d{3,})\b(?!\.\d)")
_REFERENCE = re.compile(r"(?:#|\border\s+(?:number\s+|no\.?\s*)?)(\d{3,})\b", re.I)  # "#1001", "order 1001"
_MONEY = re.compile(r"\$\s?(\d+(?:\.\d{1,2})?)|\b(\d+(?:\.\d{1,2})?)\s?(?:usd|dollars?)\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_HUMAN = re.compile(r"\b(human|person|agent|someone|representative|operator)\b", re.I)
# A word and the spaces after it: how the offline model streams, as an LLM streams tokens.
_PIECE = re.compile(r"\S+\s*|\s+")
_STOP = {"the", "a", "an", "my", "is", "of", "to", "for", "and", "or", "where", "what", "me", "i", "it", "on", "in"}


def _words(text: str) -> set[str]:
    found = {w.rstrip("s") for w in _WORD.findall(text.lower())}
    return found - _STOP


def _estimate_tokens(text: str) -> int:
    return max(1, len(text) // 4)


class OfflineModel:
    """A deterministic stand-in for an LLM: picks a catalog tool by keywords and fills its arguments from the text."""

    provider = "offline"
    model = "deskpilot-offline-1"

    def __init__(self, word_delay: float = 0.0) -> None:
        # Seconds between streamed words: 0 streams them back to back; a demo may slow it down to show streaming.
        self.word_delay = word_delay

    async def complete(self, request: ModelRequest) -> ModelResponse:
        prompt_chars = len(request.system) + sum(len(m.text) + len(str(m.result or "")) for m in request.messages)
        last = request.messages[-1] if request.messages else ModelMessage(role="user", text="")
        if last.role == "tool":
            step = self._procedure_step(request)
            if isinstance(step, ToolCall):
                return ModelResponse("", [step], _estimate_tokens("x" * prompt_chars), 20, "tool_use")
            text = step or self._reply_from_results(request.messages)
            return ModelResponse(text, [], _estimate_tokens("x" * prompt_chars), _estimate_tokens(text), "end_turn")
        call = confirmed_call(request.messages) or self._choose_call(last.text, request.tools)
        if call is not None and request.procedures:
            messages, fill = request.messages, self._fill_arguments
            call = lookup_first(call, last.text, messages, request.procedures, request.tools, fill)
        if call is not None:
            return ModelResponse("", [call], _estimate_tokens("x" * prompt_chars), 20, "tool_use")
        text = (
            "I'm Deskpilot's offline demo model (no LLM is configured). I can look up an order — try "
            '"where is my order #1001?" — or hand you over to a person if you ask for one.'
        )
        return ModelResponse(text, [], _estimate_tokens("x" * prompt_chars), _estimate_tokens(text), "end_turn")

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """The text word by word (each word with its trailing spaces), then the response."""
        response = await self.complete(request)
        for i, piece in enumerate(_PIECE.findall(response.text)):
            if i and self.word_delay:
                await asyncio.sleep(self.word_delay)
            yield TextDelta(piece)
        yield response

    def _procedure_step(self, request: ModelRequest) -> ToolCall | str | None:
        """After a tool result, what the procedures shown want next: ask for a held call's confirmation, or make the
        call a required lookup was for (``offline_procedures``); None: just report the results."""
        if not request.procedures:
            return None
        question = confirmation_question(request.messages)
        if question is not None:
            return question
        said = next((m.text for m in reversed(request.messages) if m.role == "user"), "")
        intended = self._choose_call(said, request.tools) if said else None
        return next_after_lookup(request.messages, request.procedures, intended)

    def _choose_call(self, text: str, tools: list[ToolSpec]) -> ToolCall | None:
        if _HUMAN.search(text) and any(t.name == HANDOFF_TOOL.name for t in tools):
            summary = text.strip()[:300]
            handoff: dict[str, Any] = {"reason": "The customer asked for a person.", "summary": summary}
            return ToolCall(new_id("call"), HANDOFF_TOOL.name, {**handoff, "priority": "normal"})
        wanted = _words(text)
        best: tuple[int, ToolSpec, dict[str, Any]] | None = None
        for tool in tools:
            if tool.name == HANDOFF_TOOL.name:
                continue
            # A tool that changes something (a refund) is only chosen when the customer names its verb.
            verb = tool.name.split("_")[0].rstrip("s")
            if tool.risk != "read" and verb not in wanted:
                continue
            score = len(wanted & (_words(tool.name.replace("_", " ")) | _words(tool.description)))
            args = self._fill_arguments(text, tool)
            if score > 0 and args is not None and (best is None or score > best[0]):
                best = (score, tool, args)
        if best is None:
            return None
        return ToolCall(new_id("call"), best[1].name, best[2])

    def _fill_arguments(self, text: str, tool: ToolSpec) -> dict[str, Any] | None:
        """Arguments for every required property that the text supplies (None when one is missing), plus an
        optional amount when the text names a sum of money ("refund $20 of order #1002")."""
        props: dict[str, Any] = tool.input_schema.get("properties", {})
        required: list[str] = tool.input_schema.get("required", [])
        args: dict[str, Any] = {}
        for name in required:
            value = _value_for(text, name, props.get(name, {}))
            if value is None:
                return None
            args[name] = value
        for name, prop in props.items():
            if name not in args and "amount" in name and prop.get("type") in ("number", "integer"):
                money = _MONEY.search(text)
                if money is not None:
                    amount = float(money.group(1) or money.group(2))
                    args[name] = int(amount) if amount.is_integer() else amount
        return args

    def _reply_from_results(self, messages: list[ModelMessage]) -> str:
        results: list[ModelMessage] = []
        for message in reversed(messages):
            if message.role != "tool":
                break
            results.append(message)
        lines: list[str] = []
        for result in reversed(results):
            if result.is_error:
                lines.append(f"Sorry, I couldn't complete {result.tool_name}: {result.text}")
            elif result.result and isinstance(result.result.get("summary"), str):
                lines.append(result.result["summary"])
            else:
                fields = ", ".join(
                    f"{k}: {v}" for k, v in (result.result or {}).items() if not isinstance(v, (dict, list))
                )
                lines.append(f"Here is what I found — {fields}.")
        return " ".join(lines)


def _value_for(text: str, name: str, prop: dict[str, Any]) -> Any:
    """A required argument's value as the text gives it, or None."""
    kind = prop.get("type", "string")
    if isinstance(prop.get("enum"), list):
        # One of the allowed words, when the customer says it ("move me to the basic plan").
        said = _words(text)
        return next((v for v in prop["enum"] if isinstance(v, str) and v.lower().rstrip("s") in said), None)
    if "email" in name:
        match = _EMAIL.search(text)
        return match.group(0) if match else None
    if kind in ("integer", "number") or any(k in name for k in ("number", "id", "order")):
        # An order's reference ("#1001", "order 1001") before any other long number, and never a sum of money.
        match = _REFERENCE.search(text) or _NUMBER.search(text)
        if match is None:
            return None
        return int(match.group(1)) if kind == "integer" else match.group(1)
    if name in ("query", "q", "question", "text"):
        return text.strip()
    return None
