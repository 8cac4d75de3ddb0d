"""Customers on the public HTTP API only: N clients, each opening conversations and sending messages one after the
other (the next after the reply), retrying what failed the way a well-behaved client does (the same
``Idempotency-Key`` for the same message, after ``Retry-After`` when a 503 names one)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx2

OUTCOMES = ("agent.replied", "handoff.requested")
QUESTIONS = ("where is my order #1001?", "and what about order 1002?", "has #1003 shipped yet?")


@dataclass
class Sent:
    """One accepted message (202) and when its outcome was seen through the API."""

    conversation_id: str
    event_id: str
    position: int
    sent_at: float
    answered_at: float | None = None


@dataclass
class LoadReport:
    accepted: list[Sent] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # "POST /v1/conversations 500" -> count
    conversations: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    ended: float = 0.0

    @property
    def answered(self) -> int:
        return sum(1 for s in self.accepted if s.answered_at is not None)


@dataclass
class Load:
    """``clients`` customers, each sending ``per_conversation`` messages per conversation, until ``total``
    messages were accepted in all or ``stop`` is set; a reply not seen within ``reply_timeout`` seconds ends that
    conversation (the verdict then finds the message unanswered)."""

    base: str
    api_key: str
    clients: int = 8
    per_conversation: int = 3
    total: int | None = None
    reply_timeout: float = 60.0
    texts: tuple[str, ...] = QUESTIONS
    report: LoadReport = field(default_factory=LoadReport)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> LoadReport:
        self.report = LoadReport()
        headers = {"Authorization": f"Bearer {self.api_key}"}
        async with httpx2.AsyncClient(base_url=self.base, headers=headers, timeout=30) as http:
            await asyncio.gather(*(self._client(http) for _ in range(self.clients)))
        self.report.ended = time.monotonic()
        return self.report

    def _more(self) -> bool:
        return not self.stop.is_set() and (self.total is None or len(self.report.accepted) < self.total)

    async def _client(self, http: httpx2.AsyncClient) -> None:
        while self._more():
            created = await self._call(http, "POST", "/v1/conversations", {})
            if created is None:
                continue
            cid = str(created["id"])
            self.report.conversations.append(cid)
            for i in range(self.per_conversation):
                if not self._more():
                    return
                sent = await self._send(http, cid, self.texts[i % len(self.texts)])
                if sent is None or not await self._await_outcome(http, sent):
                    break

    async def _call(self, http: httpx2.AsyncClient, method: str, path: str, body: object, key: str = "") -> dict | None:  # type: ignore[type-arg]
        """One request, retried on a server error or a broken connection until it succeeds or the load stops."""
        headers = {"Idempotency-Key": key} if key else {}
        while True:
            try:
                r = await http.request(method, path, json=body, headers=headers)
            except httpx2.TransportError as exc:
                self.report.errors[f"{method} {_route(path)} {type(exc).__name__}"] += 1
            else:
                if r.status_code < 400:
                    return dict(r.json())
                self.report.errors[f"{method} {_route(path)} {r.status_code}"] += 1
                if r.status_code < 500:
                    return None
                await asyncio.sleep(min(2.0, float(r.headers.get("retry-after") or 0.5)))
                continue
            if self.stop.is_set():
                return None
            await asyncio.sleep(0.5)

    async def _send(self, http: httpx2.AsyncClient, cid: str, text: str) -> Sent | None:
        at = time.monotonic()
        body = await self._call(http, "POST", f"/v1/conversations/{cid}/messages", {"text": text}, uuid.uuid4().hex)
        if body is None:
            return None
        sent = Sent(cid, str(body["event_id"]), int(body["position"]), at)
        self.report.accepted.append(sent)
        return sent

    async def _await_outcome(self, http: httpx2.AsyncClient, sent: Sent) -> bool:
        """Poll the conversation's events after the message until its outcome shows; False on a handoff (a person
        owns the conversation now) or a timeout."""
        deadline = time.monotonic() + self.reply_timeout
        after = sent.position
        while time.monotonic() < deadline:
            try:
                r = await http.get(f"/v1/conversations/{sent.conversation_id}/events", params={"from_version": after})
            except httpx2.TransportError as exc:
                self.report.errors[f"GET /v1/conversations/{{id}}/events {type(exc).__name__}"] += 1
                await asyncio.sleep(0.5)
                continue
            if r.status_code != 200:
                self.report.errors[f"GET /v1/conversations/{{id}}/events {r.status_code}"] += 1
                await asyncio.sleep(0.5)
                continue
            page = r.json()
            for event in page["events"]:
                if event["type"] in OUTCOMES:
                    sent.answered_at = time.monotonic()
                    return bool(event["type"] == "agent.replied")
            after = int(page["version"])
            await asyncio.sleep(0.1)
        return False


def _route(path: str) -> str:
    parts = path.split("/")
    if len(parts) > 3:
        parts[3] = "{id}"
    return "/".join(parts)
