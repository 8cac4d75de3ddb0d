"""Which actions a ticket's page offers the signed-in person: "Take over" only to who does not have it."""

from __future__ import annotations

from typing import Any

from web.inbox import ticket_actions

STATES = ("open", "with_ai", "waiting_human", "with_human", "resolved")  # the conversation API's statuses


def ticket(assignee: str | None, status: str = "open", name: str = "") -> dict[str, Any]:
    return {"assignee": assignee, "assignee_name": name, "status": status}


def test_the_assignee_hands_back_instead_of_taking_over() -> None:
    mine = ticket_actions(ticket("agt_me"), "agt_me", conversation_status="with_human")
    assert mine == {"take": None, "hand_back": True, "resolve": True, "state": "You are handling this conversation."}
    handed_back = ticket_actions(ticket("agt_me"), "agt_me", conversation_status="with_ai")
    assert (handed_back["take"], handed_back["hand_back"]) == (None, False)
    assert handed_back["state"].startswith("The AI answers this conversation again")


def test_a_colleague_takes_over_from_the_assignee_by_name_and_anyone_takes_an_unassigned_one() -> None:
    theirs = ticket_actions(ticket("agt_bob", name="Bob"), "agt_me", conversation_status="with_human")
    assert (theirs["take"], theirs["hand_back"]) == ("Take over from Bob", False)
    assert theirs["state"] == "Bob is handling this."
    nobodys = ticket_actions(ticket(None), "agt_me", conversation_status="with_human")
    assert (nobodys["take"], nobodys["hand_back"], nobodys["resolve"]) == ("Take over", True, True)


def test_a_resolved_ticket_offers_nothing() -> None:
    done = ticket_actions(ticket("agt_me", status="resolved"), "agt_me", conversation_status="with_ai")
    assert (done["take"], done["hand_back"], done["resolve"]) == (None, False, False)


def test_a_person_has_it_exactly_in_the_statuses_the_conversation_api_answers() -> None:
    # The API's state machine, not a copy: a turn the AI starts after a handoff gives the conversation back to it.
    offered = {s: ticket_actions(ticket(None), "agt_me", s)["hand_back"] for s in STATES}
    assert offered == {"open": False, "with_ai": False, "waiting_human": True, "with_human": True, "resolved": False}
