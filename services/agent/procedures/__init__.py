"""Procedures: how a tenant wants one kind of case handled, with guards the runtime enforces (docs/procedures.md)."""
