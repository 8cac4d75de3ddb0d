"""The humans' side of support: a ticket for every handoff and every new email conversation, human agents with
their own API keys, passwords, sign-ins and roles (owner, admin, agent), the tenant's issued API keys (announced to
every service), round-robin or manual assignment, SLA timers, and human replies, internal notes, resolution,
hand-back to the AI and customer ratings (CSAT) carried onto the log, with a CSAT report and a live inbox feed.

Start at ``service.py``; the inbox and every action on a ticket are in ``endpoints.py``; sign-ins, passwords and
issued keys in ``accounts.py`` and ``account_endpoints.py``; ratings in ``ratings.py``.
"""
