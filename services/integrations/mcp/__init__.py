"""Tenant MCP servers: what the operator allows, registering and listing tools, calling them."""
