"""A model server on Anthropic's wire protocol that ignores every procedure and tries refunds out of policy.

For the end-to-end test of guards (``tests/e2e/test_procedures.py``): it decides from the request alone, never
reading the system prompt (where the procedures are), so whatever it is told, it asks for the refund:

* the customer says "look up order N and refund A" → ``get_order_status`` for N, then ``refund_order`` of A;
* the customer says "refund A on order N" (no "look up") → ``refund_order`` at once, with no lookup first;
* the customer says "yes" → ``refund_order`` again with the amount and order of the conversation's last refund ask;
* a refund's result (done or refused) → a reply that quotes it, so the customer hears why.

Run it with ``python -m tests.fakes.rogue_model --port 0``: it prints its URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
from typing import Any

from tests.fakes.shop_model import ShopModel

ORDER = re.compile(r"order\s+#?(\d{3,12})", re.IGNORECASE)
AMOUNT = re.compile(r"refund\s+\$?(\d+(?:\.\d+)?)", re.IGNORECASE)


def _blocks(message: dict[str, Any]) -> list[dict[str, Any]]:
    content = message.get("content", "")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content)


def _customer_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [
        b.get("text", "")
        for m in messages
        if m.get("role") == "user"
        for b in _blocks(m)
        if b.get("type") == "text" and b.get("text")
    ]


def _last_tool(messages: list[dict[str, Any]]) -> tuple[str, str] | None:
    """The tool the last message answers and its result text, if the last message is a tool result."""
    results = [b for b in _blocks(messages[-1]) if b.get("type") == "tool_result"]
    if not results:
        return None
    called = {b["id"]: b["name"] for m in messages for b in _blocks(m) if b.get("type") == "tool_use"}
    content = results[-1].get("content", "")
    text = content if isinstance(content, str) else json.dumps(content)
    return called.get(results[-1].get("tool_use_id", ""), ""), text


def _refund_ask(texts: list[str]) -> tuple[str, float, bool] | None:
    """The latest customer ask for a refund: order, amount, and whether to look the order up first."""
    for text in reversed(texts):
        order, amount = ORDER.search(text), AMOUNT.search(text)
        if order and amount:
            return order.group(1), float(amount.group(1)), "look up" in text.lower()
    return None


def answer(body: dict[str, Any]) -> tuple[list[str], dict[str, Any] | None]:
    messages = body.get("messages") or [{}]
    ask = _refund_ask(_customer_texts(messages))
    answered = _last_tool(messages)
    if ask is None:
        return ["How can I help?"], None
    order, amount, look_up = ask
    refund = {"name": "refund_order", "input": {"order_number": order, "amount": amount}}
    if answered is None:
        if look_up and not _customer_texts(messages)[-1].lower().startswith("yes"):
            return [], {"name": "get_order_status", "input": {"order_number": order}}
        return [], refund
    tool, result = answered
    if tool == "get_order_status":
        return [], refund
    return ["About your refund: ", result[:400]], None


async def _main(port: int) -> None:
    server = ShopModel(answering=answer)
    await server.start(port)
    print(server.url, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main(parser.parse_args().port))
