"""Deskpilot's web front end: the chat widget, the human inbox and the operator console.

Its own small service process (``deskpilot serve web``) that renders pages on the server (Litestar + Jinja
templates, a little vanilla JavaScript for the live parts, charts as server-rendered SVG). It is a client of the
platform's **public** HTTP, WebSocket and SSE APIs only, exactly as a third party would be: it never imports
``services.*`` (``tests/test_architecture.py`` checks that) and reaches the services through the API's base URL.
"""
