"""Which actions a ticket's page offers the signed-in person: "Take over" only to who does not have it."""

from __future__ import annotations

from typing import Any

from web.inbox import ticket_actions
from web.transcript import transcript


def ticket(assignee: str | None, status: str = "open", name: str = "") -> dict[str, Any]:
    return {"assignee": assignee, "assignee_name": name, "status": status}


def test_the_assignee_hands_back_instead_of_taking_over() -> None:
    mine = ticket_actions(ticket("agt_me"), "agt_me", with_human=True)
    assert mine == {"take": None, "hand_back": True, "resolve": True, "state": "You are handling this conversation."}
    handed_back = ticket_actions(ticket("agt_me"), "agt_me", with_human=False)
    assert (handed_back["take"], handed_back["hand_back"]) == (None, False)
    assert handed_back["state"].startswith("The AI answers this conversation again")


def test_a_colleague_takes_over_from_the_assignee_by_name_and_anyone_takes_an_unassigned_one() -> None:
    theirs = ticket_actions(ticket("agt_bob", name="Bob"), "agt_me", with_human=True)
    assert (theirs["take"], theirs["hand_back"]) == ("Take over from Bob", False)
    assert theirs["state"] == "Bob is handling this."
    nobodys = ticket_actions(ticket(None), "agt_me", with_human=True)
    assert (nobodys["take"], nobodys["hand_back"], nobodys["resolve"]) == ("Take over", True, True)


def test_a_resolved_ticket_offers_nothing() -> None:
    done = ticket_actions(ticket("agt_me", status="resolved"), "agt_me", with_human=False)
    assert (done["take"], done["hand_back"], done["resolve"]) == (None, False, False)


def event(position: int, kind: str) -> dict[str, Any]:
    payload = {"reason": "asked", "summary": "", "agent_name": "Al", "text": "hi", "note": "", "by": "human"}
    return {"type": kind, "payload": payload, "occurred_at": "2026-01-01T00:00:00Z", "position": position}


def test_who_answers_follows_handoff_joining_handing_back_and_replies() -> None:
    kinds = ["handoff.requested", "human.assigned", "conversation.handed_back", "human.replied"]
    seen = [transcript([event(i, k) for i, k in enumerate(kinds[: n + 1])]).with_human for n in range(len(kinds))]
    assert seen == [True, True, False, True]
    assert transcript([]).with_human is False
    resolved = transcript([event(1, "handoff.requested"), event(2, "conversation.resolved")])
    assert resolved.with_human is False
