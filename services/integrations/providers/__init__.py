"""The built-in integrations' tool handlers, one module per vendor (the demo store included)."""
