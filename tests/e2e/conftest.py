"""The whole platform as a user runs it: ``deskpilot up`` (six service processes and the gateway) on the session's
NATS and PostgreSQL, driven over HTTP and the CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from deskpilot.embedded import free_port


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
            timeout=60,
            check=False,
        )

    def headers(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.api_key}"}


# Module-scoped: a running platform's agent answers every message.received on the session's NATS, so it must be gone
# before other tests append customer messages to logs they inspect.
@pytest.fixture(scope="module")
def platform(nats_url: str, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data_dir = tmp_path_factory.mktemp("platform")
    port = free_port()
    # The local embedding model is exercised by the knowledge tests; here the fast lexical embedder keeps the whole
    # platform's start and the first article quick. No LLM keys: the agent runs the offline model.
    env = {
        **os.environ,
        "NATS_URL": nats_url,
        "DATABASE_URL": database_url,
        "KNOWLEDGE_EMBEDDINGS": "hashing",
        "ANTHROPIC_API_KEY": "",
        "OPENAI_API_KEY": "",
    }
    log = data_dir / "platform.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskpilot.cli", "up", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"deskpilot up exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if httpx2.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"platform not healthy in time:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        match = re.search(r"api key: (\S+)", log.read_text())
        assert match, "deskpilot up printed no api key"
        yield Platform(base, match.group(1), data_dir, env, proc, log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
