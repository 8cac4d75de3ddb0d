"""The AI agent: it advances each conversation from its log alone (fold, a pure decide, the model call, an append
at the version it decided from) on Anthropic, OpenAI, an OpenAI-compatible server or the offline demo model; each
tenant's policy (persona, limits, approval rules), human approvals of tool calls, handoffs, reply text streamed to
the chat, and each tenant's tool catalog.

Start at ``service.py`` (``Agent.advance``), then ``state.py`` (the fold) and ``decide.py`` (what to do next).
"""
