"""The humans' side of support: a ticket for every handoff and every new email conversation, human agents with
their own API keys and roles, round-robin or manual assignment, SLA timers, and human replies, internal notes,
resolution, hand-back to the AI and customer ratings (CSAT) carried onto the log.

Start at ``service.py``; the inbox and every action on a ticket are in ``endpoints.py``.
"""
