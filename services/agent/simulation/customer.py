"""The customer's side of a simulated conversation: a script, or a language model following instructions."""

from __future__ import annotations

from typing import Protocol

from services.agent.providers import ChatModel, ModelMessage, ModelRequest

STOP = "###STOP###"
CUSTOMER_PROMPT = (
    "You are role-playing a customer who is contacting a business's support chat. Stay in character and write only "
    "your next message to support, in the first person, briefly. Do not invent order numbers or facts you were not "
    "given. When your issue is resolved, when you are told a person will take over, or when there is nothing more "
    f"to say, reply with exactly {STOP}.\n\nWho you are and what you want:\n"
)
OPENING = "(The support chat has opened. Write your first message.)"


class CustomerSide(Protocol):
    async def next_message(self, replies: list[str]) -> str | None:
        """The customer's next message after support said ``replies`` (none before the first), or None: done."""
        ...


class ScriptedCustomer:
    def __init__(self, messages: list[str]) -> None:
        self._messages = list(messages)

    async def next_message(self, _replies: list[str]) -> str | None:
        return self._messages.pop(0) if self._messages else None


class ModelCustomer:
    """A customer played by ``model``: support's replies are its "user" turns, its own messages its answers."""

    def __init__(self, model: ChatModel, instructions: str, first_message: str | None, max_turns: int) -> None:
        self._model = model
        self._system = CUSTOMER_PROMPT + instructions
        self._first = first_message
        self._turns_left = max_turns
        self._history: list[ModelMessage] = []

    async def next_message(self, replies: list[str]) -> str | None:
        if self._turns_left <= 0:
            return None
        self._turns_left -= 1
        self._history.append(ModelMessage(role="user", text="\n\n".join(replies) if replies else OPENING))
        if self._first is not None:  # a scripted opening, then the model carries on from it
            text, self._first = self._first, None
        else:
            response = await self._model.complete(ModelRequest(self._system, list(self._history), []))
            text = response.text.strip()
            if not text or STOP in text:
                return None
        self._history.append(ModelMessage(role="assistant", text=text))
        return text
