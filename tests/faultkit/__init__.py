"""What the fault tests and ``benchmarks/faults.py`` share: a 3-node JetStream cluster on loopback, a PostgreSQL that
can be stopped and started, ``deskpilot up`` on them, a load driver that uses only the public HTTP API, and the
verdict read from the event log afterwards (accepted vs answered exactly once, dead letters, duplicate event ids)."""
