"""What the customer reads while the agent works: a tool call in words ("Looking up order #1001…").

The web chat shows these lines between the customer's message and the reply. They are derived from the tool's name
and at most one identifying argument; other argument values (e-mail addresses, amounts, free text) never reach
the customer's screen through this path.
"""

from __future__ import annotations

import re
from typing import Any

# The first word of a tool's name, as the customer reads it.
_VERBS = {
    "get": "Looking up",
    "lookup": "Looking up",
    "find": "Looking up",
    "fetch": "Looking up",
    "list": "Looking up",
    "read": "Looking up",
    "search": "Searching",
    "check": "Checking",
    "refund": "Refunding",
    "cancel": "Cancelling",
    "create": "Creating",
    "update": "Updating",
    "change": "Changing",
    "send": "Sending",
}
# Name words that say nothing to a customer.
_NOISE = {"status", "details", "detail", "info", "by", "id", "data"}
# Arguments that identify the thing acted on, and the shape a value must have to be shown.
_IDENTIFIERS = ("order_number", "order_id", "order", "ticket_id", "invoice_id", "subscription_id")
_SHOWABLE = re.compile(r"^#?[A-Za-z0-9_-]{1,32}$")
_KNOWLEDGE = {"search_knowledge": "Searching our help articles…", "get_article": "Reading a help article…"}


def tool_in_words(tool: str, arguments: dict[str, Any]) -> str:
    """``get_order_status`` with ``{"order_number": "1001"}`` → ``Looking up order #1001…``."""
    if tool in _KNOWLEDGE:
        return _KNOWLEDGE[tool]
    words = [w for w in re.split(r"[_\W]+", tool.lower()) if w]
    if not words:
        return "Working on it…"
    verb = _VERBS.get(words[0])
    rest = [w for w in (words[1:] if verb else words) if w not in _NOISE]
    thing = " ".join(rest) or "your request"
    for name in _IDENTIFIERS:
        value = arguments.get(name)
        if isinstance(value, str | int) and _SHOWABLE.match(str(value)):
            thing = f"{thing} #{str(value).lstrip('#')}"
            break
    return f"{verb or 'Working on'} {thing}…"


def approval_in_words(tool: str, arguments: dict[str, Any]) -> str:
    """A tool call that waits for a person's approval, as the customer reads it."""
    return f"Waiting for a team member to approve: {tool_in_words(tool, arguments).removesuffix('…')}"
