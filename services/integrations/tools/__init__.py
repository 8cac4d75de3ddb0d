"""Tool execution: the call a handler sees, the registry of handlers, once-only execution, the catalog."""
