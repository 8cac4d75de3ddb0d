"""`deskpilot up` on its own embedded NATS and PostgreSQL: Ctrl-C stops everything, and the data survives."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import psutil
import pytest

from deskpilot.embedded import free_port
from tests.support import platform_env, start_platform


def start(data_dir: Path, port: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``deskpilot up`` with no NATS_URL or DATABASE_URL: it starts its own NATS and PostgreSQL in ``data_dir``."""
    return start_platform(data_dir, port, platform_env(), log, timeout=420)


def ctrl_c(proc: subprocess.Popen[bytes]) -> None:
    """What a terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
    group = os.getpgid(proc.pid)
    os.killpg(group, signal.SIGINT)
    assert proc.wait(300) == 0  # bounds, not paces: seven processes stop in seconds on an idle machine
    deadline = time.monotonic() + 60
    while True:
        left = [p for p in psutil.process_iter(["pid"]) if _in_group(p, group)]
        if not left:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"stray processes after Ctrl-C: {[p.cmdline() for p in left]}")
        time.sleep(0.1)


def _in_group(process: psutil.Process, group: int) -> bool:
    try:
        return os.getpgid(process.pid) == group and process.status() != psutil.STATUS_ZOMBIE
    except (ProcessLookupError, psutil.Error):
        return False


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Not pytest's tmp_path: the embedded PostgreSQL runs as its own system user and must traverse the parents,
    which every other pytest session starting on the machine makes 0700 again (seen: the restart failed with
    'pg_control: Permission denied' while other suites ran)."""
    with tempfile.TemporaryDirectory(prefix="deskpilot-restart-") as d:
        yield Path(d) / "data"


def test_ctrl_c_stops_everything_and_the_data_survives_a_restart(data_dir: Path, tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc, key = start(data_dir, port, tmp_path / "first.log")
    auth = {"Authorization": f"Bearer {key}"}
    try:
        cid = httpx2.post(f"{base}/v1/conversations", headers=auth, timeout=60).json()["id"]
        text = {"text": "where is my order #1001?"}
        httpx2.post(f"{base}/v1/conversations/{cid}/messages", headers=auth, json=text, timeout=60)
        deadline = time.monotonic() + 300
        while True:
            events = httpx2.get(f"{base}/v1/conversations/{cid}/events", headers=auth, timeout=60).json()["events"]
            if any(e["type"] == "agent.replied" for e in events):
                break
            assert time.monotonic() < deadline, [e["type"] for e in events]
            time.sleep(0.1)
    finally:
        ctrl_c(proc)
    assert (data_dir / "nats").is_dir()
    assert (data_dir / "postgres").is_dir()

    proc, again = start(data_dir, port, tmp_path / "second.log")
    try:
        assert again == key  # the same demo tenant, from the same data dir
        after = httpx2.get(f"{base}/v1/conversations/{cid}/events", headers=auth, timeout=60).json()["events"]
        assert [e["id"] for e in after[: len(events)]] == [e["id"] for e in events]
        view = httpx2.get(f"{base}/v1/conversations/{cid}", headers=auth, timeout=60).json()
        assert [t["role"] for t in view["transcript"]] == ["customer", "ai"]
    finally:
        ctrl_c(proc)
