"""The public conversation API and the channels customers write on: opening conversations and appending customer
messages to the log, every conversation's status and transcript (projected from the log, rebuilt by replay), the
web chat (widget keys, WebSocket and SSE delivery with resume, rate limits) and email (SMTP in, a relay out), and
the plan's quota applied to new conversations.

Start at ``endpoints.py`` (the API) and ``service.py`` (``receive_message``, ``project``, ``replay``); the web chat
is ``chat/``, email ``mail.py``.
"""
