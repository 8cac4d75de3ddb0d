"""The tools that act on the customer's own systems: integration manifests (demo store, Shopify, Stripe, Zendesk,
HubSpot), each tenant's connections (API keys, OAuth2) and MCP servers, the vault for their secrets, once-only
execution of the tool requests routed here (live or dry-run) with an audit log, providers' webhooks, and the
Zendesk ticket sync.

Start at ``tools/execution.py`` (one tool call, once) and ``manifests/``; the rest is a package per concern:
``oauth/``, ``mcp/``, ``webhooks/``, ``providers/``, ``audit/``, ``repository/``.
"""
