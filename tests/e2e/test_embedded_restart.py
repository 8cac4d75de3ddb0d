"""`deskpilot up` on its own embedded NATS and PostgreSQL: Ctrl-C stops everything, and the data survives."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import psutil
import pytest

from deskpilot.embedded import free_port


def start(data_dir: Path, port: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NATS_URL", "DATABASE_URL")}
    env.update({"KNOWLEDGE_EMBEDDINGS": "hashing", "ANTHROPIC_API_KEY": "", "OPENAI_API_KEY": ""})
    proc = subprocess.Popen(
        [sys.executable, "-m", "deskpilot.cli", "up", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while True:
        if proc.poll() is not None:
            pytest.fail(f"deskpilot up exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                break
        except httpx2.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"not healthy in time:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    match = re.search(r"api key: (\S+)", log.read_text())
    assert match
    return proc, match.group(1)


def ctrl_c(proc: subprocess.Popen[bytes]) -> None:
    """What a terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
    group = os.getpgid(proc.pid)
    os.killpg(group, signal.SIGINT)
    assert proc.wait(60) == 0
    deadline = time.monotonic() + 10
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


def test_ctrl_c_stops_everything_and_the_data_survives_a_restart(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    proc, key = start(data_dir, port, tmp_path / "first.log")
    auth = {"Authorization": f"Bearer {key}"}
    try:
        cid = httpx2.post(f"{base}/v1/conversations", headers=auth).json()["id"]
        httpx2.post(f"{base}/v1/conversations/{cid}/messages", headers=auth, json={"text": "where is my order #1001?"})
        deadline = time.monotonic() + 60
        while True:
            events = httpx2.get(f"{base}/v1/conversations/{cid}/events", headers=auth).json()["events"]
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
        after = httpx2.get(f"{base}/v1/conversations/{cid}/events", headers=auth).json()["events"]
        assert [e["id"] for e in after[: len(events)]] == [e["id"] for e in events]
        view = httpx2.get(f"{base}/v1/conversations/{cid}", headers=auth).json()
        assert [t["role"] for t in view["transcript"]] == ["customer", "ai"]
    finally:
        ctrl_c(proc)
