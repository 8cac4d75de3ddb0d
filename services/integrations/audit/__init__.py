"""The audit log: what the AI did through integrations, on behalf of whom; written once per tool call."""
