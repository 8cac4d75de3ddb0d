"""The Deskpilot launcher: the ``deskpilot`` command, embedded NATS/PostgreSQL, and the one-port gateway.

This package composes the services into a running platform; it is not a service and owns no domain logic.
"""
