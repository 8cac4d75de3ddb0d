"""The whole platform as a user runs it: ``deskpilot up`` (six service processes and the gateway) on the session's
NATS and PostgreSQL, driven over HTTP and the CLI."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from deskpilot.embedded import free_port
from tests.support import platform_env, start_platform, stop_platform


@dataclass
class Platform:
    base: str
    api_key: str
    data_dir: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    log: Path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "deskpilot.cli", *args, "--data-dir", str(self.data_dir)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,  # a bound, not a pace: at load ~40 starting the CLI alone took over 60 s
            check=False,
        )

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.api_key}"}


# Module-scoped: a running platform's agent answers every message.received on the session's NATS, so it must be gone
# before other tests append customer messages to logs they inspect.
@pytest.fixture(scope="module")
def platform(nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("platform")
    env = platform_env(NATS_URL=nats_url, DATABASE_URL=database_url)
    log = data_dir / "platform.log"
    port = free_port()
    proc, api_key = start_platform(data_dir, port, env, log, timeout=420)
    try:
        yield Platform(f"http://127.0.0.1:{port}", api_key, data_dir, env, proc, log)
    finally:
        stop_platform(proc)
